/**
 * Schedules through HTTP against real exam-registration processes (from dist/), a real database
 * file and a live 3-member ensemble (ours; Apache ZooKeeper 3.8 with E2E_COORDINATOR=apache):
 * exams CRUD, schedule writes with If-Match, 412 with the current schedule, 304, bad input that
 * must leave the coordinator untouched, and the SSE stream (ids = mzxid, Last-Event-ID, heartbeat).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { futureSession, startExamPlatform, type ExamPlatform } from './support/exam-env.js';
import type { ServiceProcess } from './support/service-process.js';
import { SseClient } from './support/sse-client.js';

let platform: ExamPlatform;
let a: ServiceProcess;
let b: ServiceProcess;
let staff: string;
let student: string;

beforeAll(async () => {
  platform = await startExamPlatform('schedule');
  a = await platform.startExamService({ SSE_HEARTBEAT_MS: '1000' });
  b = await platform.startExamService({ SSE_HEARTBEAT_MS: '1000' });
  staff = await platform.staffToken();
  student = await platform.studentToken('stu-1');
});

afterAll(async () => {
  await platform?.stop();
});

async function createExam(title = 'Algebra final'): Promise<string> {
  const res = await request(a.url)
    .post('/api/exams')
    .set('Authorization', `Bearer ${staff}`)
    .send({ courseId: 'c-algebra', title, durationMin: 120 });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** What the coordinator holds for the exam: version, mzxid and the number of history children. */
async function znodeState(examId: string) {
  const path = platform.paths.examSchedule(examId);
  const { stat, data } = await platform.zk.getData(path);
  const children = await platform.zk.getChildren(path);
  return { version: stat.version, mzxid: stat.mzxid, children: children.length, data: data.toString() };
}

function put(url: string, examId: string, body: unknown, ifMatch?: string, token = staff) {
  const r = request(url).put(`/api/exams/${examId}/schedule`).set('Authorization', `Bearer ${token}`);
  if (ifMatch !== undefined) r.set('If-Match', ifMatch);
  return r.send(body as object);
}

async function untilVersion(url: string, examId: string, version: number): Promise<request.Response> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await request(url).get(`/api/exams/${examId}/schedule`);
    if (res.status === 200 && res.body.version >= version) return res;
    if (Date.now() > deadline)
      throw new Error(`${url} never showed version ${version} (last ${JSON.stringify(res.body)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('exams', () => {
  it('staff create an exam; its schedule starts empty at version 0 in the coordinator', async () => {
    const id = await createExam();
    const state = await znodeState(id);
    expect(state.version).toBe(0);
    expect(JSON.parse(state.data)).toMatchObject({ examId: id, sessions: [], updatedBy: 'staff-1' });
    const got = await request(b.url).get(`/api/exams/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, courseId: 'c-algebra', title: 'Algebra final', durationMin: 120 });
    const list = await request(b.url).get('/api/exams').query({ courseId: 'c-algebra' });
    expect(list.body.items.map((e: { id: string }) => e.id)).toContain(id);
  });

  it('refuses students, anonymous callers and unknown fields', async () => {
    const body = { courseId: 'c1', title: 'X' };
    expect(
      (await request(a.url).post('/api/exams').set('Authorization', `Bearer ${student}`).send(body)).status,
    ).toBe(403);
    expect((await request(a.url).post('/api/exams').send(body)).status).toBe(401);
    const extra = await request(a.url)
      .post('/api/exams')
      .set('Authorization', `Bearer ${staff}`)
      .send({ ...body, seats: 9 });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toContain('property seats should not exist');
  });

  it('answers 404 for an exam that does not exist', async () => {
    expect((await request(a.url).get('/api/exams/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect(
      (await request(a.url).get('/api/exams/00000000-0000-0000-0000-000000000000/schedule')).status,
    ).toBe(404);
  });
});

describe('schedule writes', () => {
  it('writes with If-Match, answers the new version and ETag, and every instance serves it', async () => {
    const id = await createExam();
    const sessions = [futureSession('morning'), futureSession('afternoon', { hour: 13 })];
    const res = await put(a.url, id, { sessions }, '"0"');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ examId: id, version: 1, updatedBy: 'staff-1' });
    expect(res.headers['etag']).toBe('"1"');
    const state = await znodeState(id);
    expect(state.version).toBe(1);
    expect(JSON.parse(state.data).sessions.map((s: { id: string }) => s.id)).toEqual([
      'morning',
      'afternoon',
    ]);
    const onB = await untilVersion(b.url, id, 1);
    expect(onB.headers['etag']).toBe('"1"');
    expect(onB.body.sessions).toEqual(res.body.sessions);
  });

  it('answers 304 to If-None-Match with the current ETag, 200 with an old one', async () => {
    const id = await createExam();
    await put(a.url, id, { sessions: [futureSession('s1')] }, '0');
    await untilVersion(b.url, id, 1);
    const hit = await request(b.url).get(`/api/exams/${id}/schedule`).set('If-None-Match', '"1"');
    expect(hit.status).toBe(304);
    expect(hit.text).toBe('');
    const miss = await request(b.url).get(`/api/exams/${id}/schedule`).set('If-None-Match', '"0"');
    expect(miss.status).toBe(200);
    expect(miss.body.version).toBe(1);
  });

  it('answers 412 with the current schedule to a stale If-Match, and writes nothing', async () => {
    const id = await createExam();
    const first = await put(a.url, id, { sessions: [futureSession('s1')] }, '"0"');
    expect(first.status).toBe(200);
    const before = await znodeState(id);
    const stale = await put(b.url, id, { sessions: [futureSession('s2')] }, '"0"');
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({
      statusCode: 412,
      current: { examId: id, version: 1, sessions: first.body.sessions },
    });
    expect(stale.headers['etag']).toBe('"1"');
    expect(await znodeState(id)).toEqual(before);
  });

  it('only staff write schedules', async () => {
    const id = await createExam();
    expect((await put(a.url, id, { sessions: [] }, '"0"', student)).status).toBe(403);
    expect(
      (await request(a.url).put(`/api/exams/${id}/schedule`).set('If-Match', '"0"').send({ sessions: [] }))
        .status,
    ).toBe(401);
    expect((await znodeState(id)).version).toBe(0);
  });

  describe('bad input is refused with a message and nothing reaches the coordinator', () => {
    let id: string;
    let before: Awaited<ReturnType<typeof znodeState>>;
    beforeAll(async () => {
      id = await createExam();
      expect((await put(a.url, id, { sessions: [futureSession('base')] }, '"0"')).status).toBe(200);
      before = await znodeState(id);
    });

    const cases: [string, () => unknown, RegExp][] = [
      [
        'two sessions overlapping in one room',
        () => ({
          sessions: [futureSession('x'), { ...futureSession('y'), startsAt: futureSession('x').startsAt }],
        }),
        /overlap in room H1/,
      ],
      [
        'a session ending before it starts',
        () => ({ sessions: [{ ...futureSession('x'), endsAt: '2020-01-01T00:00:00Z' }] }),
        /must end after it starts/,
      ],
      [
        'negative seats',
        () => ({ sessions: [futureSession('x', { seats: -1 })] }),
        /seats must be an integer/,
      ],
      [
        'an unknown field in a session',
        () => ({ sessions: [{ ...futureSession('x'), capacity: 3 }] }),
        /unknown field\(s\): capacity/,
      ],
      [
        'an unknown top-level field',
        () => ({ sessions: [futureSession('x')], publish: true }),
        /unknown field\(s\): publish/,
      ],
      [
        'a body over 1 MiB',
        () => ({ sessions: [{ ...futureSession('x'), room: 'R'.repeat(1024 * 1024 + 10) }] }),
        /room must be|bytes|too large/i,
      ],
      [
        'many sessions over the size bound',
        () => ({
          sessions: Array.from({ length: 450 }, (_, i) =>
            futureSession(`session-${String(i).padStart(12, '0')}`, { room: `${'R'.repeat(110)}${i}` }),
          ),
        }),
        /bytes, more than/,
      ],
    ];
    for (const [what, body, message] of cases) {
      it(`refuses ${what} (400)`, async () => {
        const res = await put(a.url, id, body(), '"1"');
        expect(res.status).toBe(400);
        expect(res.body.statusCode).toBe(400);
        expect(res.body.message).toMatch(message);
        expect(await znodeState(id)).toEqual(before);
      });
    }

    it('refuses a malformed If-Match (400) and a missing one (428)', async () => {
      for (const bad of ['abc', '"-1"', '*']) {
        const res = await put(a.url, id, { sessions: [futureSession('x')] }, bad);
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/If-Match must be/);
      }
      const missing = await put(a.url, id, { sessions: [futureSession('x')] });
      expect(missing.status).toBe(428);
      expect(await znodeState(id)).toEqual(before);
    });

    it('refuses a well-formed but stale If-Match (412)', async () => {
      const res = await put(a.url, id, { sessions: [futureSession('x')] }, '"7"');
      expect(res.status).toBe(412);
      expect(res.body.current.version).toBe(1);
      expect(await znodeState(id)).toEqual(before);
    });
  });
});

describe('schedule events (SSE)', () => {
  it('streams each change with id = the znode mzxid, to clients of every instance', async () => {
    const id = await createExam();
    const onA = new SseClient();
    const onB = new SseClient();
    await onA.connect(`${a.url}/api/exams/schedule/events?examId=${id}`);
    await onB.connect(`${b.url}/api/exams/schedule/events?examId=${id}`);
    expect(onA.status).toBe(200);
    try {
      // The current schedule first (version 0), then every change.
      await onA.waitFor((e) => JSON.parse(e.data).version === 0);
      const res = await put(a.url, id, { sessions: [futureSession('s1')] }, '"0"');
      const { mzxid } = await znodeState(id);
      for (const c of [onA, onB]) {
        const e = await c.waitFor((ev) => JSON.parse(ev.data).version === 1);
        expect(e.id).toBe(String(mzxid));
        expect(JSON.parse(e.data)).toMatchObject({
          examId: id,
          version: 1,
          schedule: { examId: id, sessions: res.body.sessions },
        });
      }
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('after a reconnect with Last-Event-ID to the other instance, sends only exams changed since', async () => {
    const quiet = await createExam('quiet');
    const busy = await createExam('busy');
    const c = new SseClient();
    await c.connect(`${a.url}/api/exams/schedule/events`);
    try {
      await put(a.url, quiet, { sessions: [futureSession('q')] }, '"0"');
      await c.waitFor((e) => JSON.parse(e.data).examId === quiet && JSON.parse(e.data).version === 1);
      c.close();
      const mark = c.lastEventId!;
      await put(b.url, busy, { sessions: [futureSession('b1')] }, '"0"');
      await put(b.url, busy, { sessions: [futureSession('b2')] }, '"1"');
      c.events.length = 0;
      await c.connect(`${b.url}/api/exams/schedule/events`);
      const e = await c.waitFor(
        (ev) => JSON.parse(ev.data).examId === busy && JSON.parse(ev.data).version === 2,
      );
      expect(BigInt(e.id!)).toBeGreaterThan(BigInt(mark));
      // Coalesced to the current version; nothing about the quiet exam, nothing older.
      const seen = c.events.map((ev) => JSON.parse(ev.data) as { examId: string; version: number });
      expect(seen.filter((s) => s.examId === quiet)).toEqual([]);
      expect(seen.filter((s) => s.examId === busy).map((s) => s.version)).toEqual([2]);
    } finally {
      c.close();
    }
  });

  it('serves and pushes a version written straight into the znode by another tool (no history child)', async () => {
    const id = await createExam();
    const c = new SseClient();
    await c.connect(`${b.url}/api/exams/schedule/events?examId=${id}`);
    try {
      await c.waitFor((e) => JSON.parse(e.data).version === 0);
      const sessions = [
        {
          ...futureSession('ext'),
          startsAt: new Date(futureSession('ext').startsAt).toISOString(),
          endsAt: new Date(futureSession('ext').endsAt).toISOString(),
        },
      ];
      const stat = await platform.zk.setData(
        platform.paths.examSchedule(id),
        JSON.stringify({ examId: id, sessions, updatedBy: 'zkcli', updatedAt: new Date().toISOString() }),
        0,
      );
      const e = await c.waitFor((ev) => JSON.parse(ev.data).version === 1);
      expect(e.id).toBe(String(stat.mzxid));
      const got = await untilVersion(a.url, id, 1);
      expect(got.body).toMatchObject({ version: 1, updatedBy: 'zkcli', sessions });
    } finally {
      c.close();
    }
  });

  it('keeps idle streams open with heartbeat comments', async () => {
    const c = new SseClient();
    await c.connect(`${b.url}/api/exams/schedule/events?examId=none`);
    try {
      const deadline = Date.now() + 5_000;
      while (!c.comments.includes('heartbeat') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(c.comments).toContain('heartbeat');
    } finally {
      c.close();
    }
  });

  it('refuses a Last-Event-ID that is not a zxid', async () => {
    const res = await request(a.url).get('/api/exams/schedule/events').set('Last-Event-ID', 'yesterday');
    expect(res.status).toBe(400);
  });
});

describe('operations', () => {
  it('serves health, OpenAPI and its own metrics', async () => {
    expect((await request(a.url).get('/health')).status).toBe(200);
    const doc = await request(a.url).get('/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/exams/{id}/schedule',
        '/api/exams/schedule/events',
        '/api/students/me/events',
      ]),
    );
    // The schedule write documents force and both 409s (clashes, missing moves).
    const putDoc = doc.body.paths['/api/exams/{id}/schedule'].put;
    expect(putDoc.requestBody.content['application/json'].schema.properties.force).toMatchObject({
      type: 'boolean',
      default: false,
    });
    expect(putDoc.responses['409'].description).toContain('clashes');
    expect(Object.keys(putDoc.responses)).toEqual(expect.arrayContaining(['200', '409', '412']));
    const metrics = (await request(a.url).get('/metrics')).text;
    expect(metrics).toMatch(/exam_schedule_writes_total\{[^}]*outcome="committed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/exam_schedule_writes_total\{[^}]*outcome="invalid"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/exam_schedule_versions_received_total(\{[^}]*\})? [1-9]/);
    expect(metrics).toMatch(/exam_sse_streams(\{[^}]*\})? \d/);
  });
});
