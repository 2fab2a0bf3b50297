/**
 * Atomicity of a schedule change that moves students, across the database and the coordinator:
 * the writing instance is killed (-9) at the two crash points of the write-ahead protocol, and the
 * next writer on the other instance must resolve the pending change under the exam's write lock.
 * - after the database side, before the znode write: the change never happened -> moves undone;
 * - after the znode write, before the commit record: the change happened -> committed, and the
 *   moved students get their notifications, live too: a student listening on a third instance
 *   (whose cache saw the version long before recovery recorded them) gets the push on their stream.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  createCourse,
  enroll,
  login,
  newStudent,
  startCourseEnrollment,
} from './support/course-enrollment.js';
import { futureSession, startExamPlatform, type ExamPlatform } from './support/exam-env.js';
import type { ServiceProcess } from './support/service-process.js';
import { SseClient } from './support/sse-client.js';

let platform: ExamPlatform;
let ce: ServiceProcess;
let survivor: ServiceProcess;
let listener: ServiceProcess;
let staff: string;
let courseId: string;
const run = randomUUID().slice(0, 6);
let n = 0;

beforeAll(async () => {
  platform = await startExamPlatform('recovery');
  ce = await startCourseEnrollment(platform);
  survivor = await platform.startExamService();
  listener = await platform.startExamService();
  staff = (await login(ce.url, ADMIN.email, ADMIN.password)).token;
  courseId = await createCourse(ce.url, staff, `REC-${run}`, 100);
});

afterAll(async () => {
  await platform?.stop();
});

const A = () => futureSession('a', { seats: 3 });
const B = () => futureSession('b', { seats: 3, room: 'H2' });

/** An exam with sessions a and b (version 1) and one student registered in a. */
async function setUp() {
  const created = await request(survivor.url)
    .post('/api/exams')
    .set('Authorization', `Bearer ${staff}`)
    .send({ courseId, title: 'Recovery' });
  const examId = created.body.id as string;
  const put = await request(survivor.url)
    .put(`/api/exams/${examId}/schedule`)
    .set('Authorization', `Bearer ${staff}`)
    .set('If-Match', '"0"')
    .send({ sessions: [A(), B()] });
  expect(put.status).toBe(200);
  const student = await newStudent(ce.url, `rec-${run}-${n++}@example.edu`);
  await enroll(ce.url, student.token, courseId);
  const reg = await request(survivor.url)
    .post(`/api/exams/${examId}/sessions/a/registrations`)
    .set('Authorization', `Bearer ${student.token}`);
  expect(reg.status).toBe(201);
  return { examId, student };
}

async function taken(examId: string): Promise<Record<string, number>> {
  const res = await request(survivor.url).get(`/api/exams/${examId}`);
  return Object.fromEntries(
    (res.body.sessions as { id: string; taken: number }[]).map((s) => [s.id, s.taken]),
  );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts the doomed writer, sends it the moving change, and kills it -9 at the pause. */
async function crashWhileMoving(
  examId: string,
  at: 'before-znode' | 'after-znode',
  reached: () => Promise<boolean>,
) {
  const doomed = await platform.startExamService({
    SCHEDULE_TEST_PAUSE_AT: at,
    SCHEDULE_TEST_PAUSE_MS: '120000',
  });
  const answer = request(doomed.url)
    .put(`/api/exams/${examId}/schedule`)
    .set('Authorization', `Bearer ${staff}`)
    .set('If-Match', '"1"')
    .send({ sessions: [B()], moves: [{ from: 'a', to: 'b' }] })
    .then(
      (r) => r.status,
      () => 'no answer' as const,
    );
  await until(`the writer to reach ${at}`, reached);
  await doomed.kill();
  expect(await answer).toBe('no answer');
}

describe('a schedule change whose writer dies', () => {
  it('after the database side, before the znode write: the next writer undoes the moves', async () => {
    const { examId, student } = await setUp();
    // The database side is done when the student's desk is in b.
    await crashWhileMoving(examId, 'before-znode', async () => (await taken(examId))['b'] === 1);
    expect((await platform.zk.getData(platform.paths.examSchedule(examId))).stat.version).toBe(1);

    // The next writer waits for the dead writer's lock (its session expires), then resolves the change.
    const next = await request(survivor.url)
      .put(`/api/exams/${examId}/schedule`)
      .set('Authorization', `Bearer ${staff}`)
      .set('If-Match', '"1"')
      .send({ sessions: [{ ...A(), room: 'H7' }, B()] });
    expect(next.status).toBe(200);
    expect(next.body.version).toBe(2);
    expect(await taken(examId)).toEqual({ a: 1, b: 0 });
    const mine = await request(survivor.url)
      .get('/api/students/me/exams')
      .set('Authorization', `Bearer ${student.token}`);
    expect(mine.body.items).toEqual([expect.objectContaining({ examId, sessionId: 'a', room: 'H7' })]);
    // Only the surviving writer's room change was notified; the aborted move never was.
    const notes = await request(survivor.url)
      .get('/api/students/me/notifications')
      .set('Authorization', `Bearer ${student.token}`);
    expect(notes.body.items.map((x: { kind: string; version: number }) => `${x.kind}@${x.version}`)).toEqual([
      'rescheduled@2',
    ]);
  });

  it('after the znode write, before the commit record: the next writer commits it and notifies the moved students', async () => {
    const { examId, student } = await setUp();
    // The student listens on an instance that neither writes nor recovers the change.
    const stream = new SseClient();
    await stream.connect(`${listener.url}/api/students/me/events?access_token=${student.token}`);
    expect(stream.status).toBe(200);
    try {
      await crashWhileMoving(
        examId,
        'after-znode',
        async () => (await platform.zk.getData(platform.paths.examSchedule(examId))).stat.version === 2,
      );
      // The listener's cache has version 2, but nothing was recorded for it yet.
      await until('the listener to serve version 2', async () => {
        const res = await request(listener.url).get(`/api/exams/${examId}/schedule`);
        return res.body.version === 2;
      });
      expect(stream.events.filter((e) => e.event === 'notification')).toEqual([]);
      await recoverAndCheck(examId, student);
      // Recovery (on the survivor) recorded the notification; the listener pushed it live.
      const pushed = await stream.waitFor((e) => e.event === 'notification', 20_000);
      expect(JSON.parse(pushed.data)).toMatchObject({
        kind: 'moved',
        examId,
        version: 2,
        before: { sessionId: 'a' },
        after: { sessionId: 'b' },
      });
    } finally {
      stream.close();
    }
  });
});

/** The next writer (the survivor) commits the dead writer's change, moves and notification included. */
async function recoverAndCheck(examId: string, student: { token: string }) {
  const next = await request(survivor.url)
    .put(`/api/exams/${examId}/schedule`)
    .set('Authorization', `Bearer ${staff}`)
    .set('If-Match', '"2"')
    .send({ sessions: [{ ...B(), seats: 4 }] });
  expect(next.status).toBe(200);
  expect(next.body.version).toBe(3);
  expect(await taken(examId)).toEqual({ b: 1 });
  const mine = await request(survivor.url)
    .get('/api/students/me/exams')
    .set('Authorization', `Bearer ${student.token}`);
  expect(mine.body.items).toEqual([expect.objectContaining({ examId, sessionId: 'b', room: 'H2' })]);
  const notes = await request(survivor.url)
    .get('/api/students/me/notifications')
    .set('Authorization', `Bearer ${student.token}`);
  expect(notes.body.items).toEqual([
    expect.objectContaining({
      kind: 'moved',
      version: 2,
      before: expect.objectContaining({ sessionId: 'a' }),
      after: expect.objectContaining({ sessionId: 'b' }),
    }),
  ]);
}
