/**
 * Registration against the real services as processes: 2 exam-registration instances, the real
 * course-enrollment (accounts, tokens, enrollments, the `enrollment.isEnrolled` RPC through
 * discovery), a real database file each, a live 3-member ensemble. Rules (enrolled, one session per
 * exam, no overlaps, closing time), cancellation, a student's list with times from the schedule in
 * force, and schedule changes that move students (409 without moves, moves applied) with
 * notifications on the student's own authenticated stream.
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
let a: ServiceProcess;
let b: ServiceProcess;
let ce: ServiceProcess;
let staff: string;
let courseId: string;
let otherCourseId: string;
const run = randomUUID().slice(0, 6);

beforeAll(async () => {
  platform = await startExamPlatform('registration');
  ce = await startCourseEnrollment(platform);
  a = await platform.startExamService();
  b = await platform.startExamService();
  staff = (await login(ce.url, ADMIN.email, ADMIN.password)).token;
  courseId = await createCourse(ce.url, staff, `EX-${run}`, 100);
  otherCourseId = await createCourse(ce.url, staff, `OT-${run}`, 100);
});

afterAll(async () => {
  await platform?.stop();
});

let studentCount = 0;
async function enrolledStudent(course = courseId) {
  const s = await newStudent(ce.url, `reg-${run}-${studentCount++}@example.edu`);
  await enroll(ce.url, s.token, course);
  return s;
}

async function examWith(
  sessions: ReturnType<typeof futureSession>[],
  course = courseId,
): Promise<{ id: string; version: number }> {
  const created = await request(a.url)
    .post('/api/exams')
    .set('Authorization', `Bearer ${staff}`)
    .send({ courseId: course, title: `Exam ${run}` });
  expect(created.status).toBe(201);
  const res = await request(a.url)
    .put(`/api/exams/${created.body.id}/schedule`)
    .set('Authorization', `Bearer ${staff}`)
    .set('If-Match', '"0"')
    .send({ sessions });
  expect(res.status).toBe(200);
  // Both instances serve it before the test goes on (registrations read the cache first).
  for (const url of [a.url, b.url]) {
    const deadline = Date.now() + 10_000;
    while ((await request(url).get(`/api/exams/${created.body.id}/schedule`)).body.version !== 1) {
      if (Date.now() > deadline) throw new Error('schedule did not reach every instance');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { id: created.body.id as string, version: 1 };
}

const registerAt = (url: string, token: string, examId: string, sessionId: string) =>
  request(url)
    .post(`/api/exams/${examId}/sessions/${sessionId}/registrations`)
    .set('Authorization', `Bearer ${token}`);

describe('registering for a session', () => {
  it('registers an enrolled student, with the fencing token of the seat write and a history', async () => {
    const exam = await examWith([futureSession('am', { seats: 5 })]);
    const s = await enrolledStudent();
    const res = await registerAt(a.url, s.token, exam.id, 'am');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ examId: exam.id, sessionId: 'am', studentId: s.id, status: 'active' });
    expect(res.body.fence).toBeGreaterThan(0);
    expect(res.body.history).toEqual([
      expect.objectContaining({ action: 'registered', sessionId: 'am', fence: res.body.fence }),
    ]);
    const mine = await request(b.url).get('/api/students/me/exams').set('Authorization', `Bearer ${s.token}`);
    expect(mine.body.items).toEqual([
      expect.objectContaining({
        examId: exam.id,
        sessionId: 'am',
        courseId,
        status: 'active',
        startsAt: futureSession('am').startsAt,
        room: 'H1',
      }),
    ]);
  });

  it('refuses a student not enrolled in the course (403, asked of course-enrollment)', async () => {
    const exam = await examWith([futureSession('am')]);
    const outsider = await newStudent(ce.url, `outsider-${run}@example.edu`);
    const res = await registerAt(a.url, outsider.token, exam.id, 'am');
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/not enrolled/);
  });

  it('refuses staff and anonymous callers, an unknown session (404) and a second session of the same exam (409)', async () => {
    const exam = await examWith([futureSession('am'), futureSession('pm', { hour: 14 })]);
    const s = await enrolledStudent();
    expect((await registerAt(a.url, staff, exam.id, 'am')).status).toBe(403);
    expect((await request(a.url).post(`/api/exams/${exam.id}/sessions/am/registrations`)).status).toBe(401);
    expect((await registerAt(a.url, s.token, exam.id, 'nope')).status).toBe(404);
    expect((await registerAt(a.url, s.token, exam.id, 'am')).status).toBe(201);
    const again = await registerAt(b.url, s.token, exam.id, 'pm');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ reason: 'already-registered', sessionId: 'am' });
  });

  it('refuses a session overlapping one the student holds in another exam, allows one that does not', async () => {
    const first = await examWith([futureSession('x', { room: 'A1', dayOffset: 20, hour: 9 })]);
    const second = await examWith(
      [
        futureSession('clash', { room: 'B1', dayOffset: 20, hour: 10 }),
        futureSession('later', { room: 'B2', dayOffset: 20, hour: 11 }),
      ],
      otherCourseId,
    );
    const s = await enrolledStudent();
    await enroll(ce.url, s.token, otherCourseId);
    expect((await registerAt(a.url, s.token, first.id, 'x')).status).toBe(201);
    const clash = await registerAt(b.url, s.token, second.id, 'clash');
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ reason: 'overlap', examId: first.id, sessionId: 'x' });
    // 09:00-11:00 and 11:00-13:00 only touch.
    expect((await registerAt(b.url, s.token, second.id, 'later')).status).toBe(201);
  });

  it('closes registration the configured guard time (60 min) before the session starts', async () => {
    const soon = {
      id: 'soon',
      startsAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      endsAt: new Date(Date.now() + 150 * 60_000).toISOString(),
      room: 'H9',
      seats: 5,
    };
    const exam = await examWith([soon as ReturnType<typeof futureSession>]);
    const s = await enrolledStudent();
    const res = await registerAt(a.url, s.token, exam.id, 'soon');
    expect(res.status).toBe(409);
    expect(res.body.reason).toBe('closed');
  });

  it('cancels, frees the desk, and allows registering again', async () => {
    const exam = await examWith([futureSession('one', { seats: 1 })]);
    const s1 = await enrolledStudent();
    const s2 = await enrolledStudent();
    expect((await registerAt(a.url, s1.token, exam.id, 'one')).status).toBe(201);
    const full = await registerAt(b.url, s2.token, exam.id, 'one');
    expect(full.status).toBe(409);
    expect(full.body.reason).toBe('full');
    const cancelled = await request(b.url)
      .delete(`/api/exams/${exam.id}/registrations/me`)
      .set('Authorization', `Bearer ${s1.token}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(
      (
        await request(b.url)
          .delete(`/api/exams/${exam.id}/registrations/me`)
          .set('Authorization', `Bearer ${s1.token}`)
      ).status,
    ).toBe(404);
    expect((await registerAt(a.url, s2.token, exam.id, 'one')).status).toBe(201);
    const again = await registerAt(a.url, s1.token, exam.id, 'one');
    expect(again.status).toBe(409);
    expect(again.body.reason).toBe('full');
  });
});

describe('schedule changes and registrations', () => {
  it('refuses dropping a session with registrations or cutting its seats below them (409), writes nothing', async () => {
    const exam = await examWith([
      futureSession('a', { seats: 3 }),
      futureSession('b', { seats: 3, room: 'H2' }),
    ]);
    const s = await enrolledStudent();
    const t = await enrolledStudent();
    expect((await registerAt(a.url, s.token, exam.id, 'a')).status).toBe(201);
    expect((await registerAt(a.url, t.token, exam.id, 'a')).status).toBe(201);
    const put = (body: unknown) =>
      request(b.url)
        .put(`/api/exams/${exam.id}/schedule`)
        .set('Authorization', `Bearer ${staff}`)
        .set('If-Match', '"1"')
        .send(body as object);
    const drop = await put({ sessions: [futureSession('b', { seats: 3, room: 'H2' })] });
    expect(drop.status).toBe(409);
    expect(drop.body.message).toMatch(/session a has 2 registration\(s\) and is dropped/);
    const cut = await put({
      sessions: [futureSession('a', { seats: 1 }), futureSession('b', { seats: 3, room: 'H2' })],
    });
    expect(cut.status).toBe(409);
    expect(cut.body.message).toMatch(/would have 1 seat\(s\)/);
    const tooSmall = await put({
      sessions: [futureSession('b', { seats: 1, room: 'H2' })],
      moves: [{ from: 'a', to: 'b' }],
    });
    expect(tooSmall.status).toBe(409);
    expect((await platform.zk.getData(platform.paths.examSchedule(exam.id))).stat.version).toBe(1);
  });

  it('applies moves with the schedule: students follow, desks move, each is notified on their own stream', async () => {
    const exam = await examWith([
      futureSession('a', { seats: 3 }),
      futureSession('b', { seats: 3, room: 'H2' }),
    ]);
    const moved = await enrolledStudent();
    const stays = await enrolledStudent();
    expect((await registerAt(a.url, moved.token, exam.id, 'a')).status).toBe(201);
    expect((await registerAt(a.url, stays.token, exam.id, 'b')).status).toBe(201);
    // Each student listens on the instance that does NOT make the change; EventSource sends no headers.
    const movedStream = new SseClient();
    const staysStream = new SseClient();
    await movedStream.connect(`${b.url}/api/students/me/events?access_token=${moved.token}`);
    await staysStream.connect(`${b.url}/api/students/me/events?access_token=${stays.token}`);
    expect(movedStream.status).toBe(200);
    try {
      const newB = futureSession('b', { seats: 3, room: 'Aula', hour: 15 });
      const res = await request(a.url)
        .put(`/api/exams/${exam.id}/schedule`)
        .set('Authorization', `Bearer ${staff}`)
        .set('If-Match', '"1"')
        .send({ sessions: [newB], moves: [{ from: 'a', to: 'b' }] });
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(2);

      const m = await movedStream.waitFor((e) => e.event === 'notification');
      expect(JSON.parse(m.data)).toMatchObject({
        kind: 'moved',
        examId: exam.id,
        version: 2,
        before: { sessionId: 'a' },
        after: { sessionId: 'b', room: 'Aula', startsAt: newB.startsAt },
      });
      const st = await staysStream.waitFor((e) => e.event === 'notification');
      expect(JSON.parse(st.data)).toMatchObject({
        kind: 'rescheduled',
        after: { sessionId: 'b', room: 'Aula' },
        before: { sessionId: 'b', room: 'H2' },
      });

      for (const s of [moved, stays]) {
        const mine = await request(b.url)
          .get('/api/students/me/exams')
          .set('Authorization', `Bearer ${s.token}`);
        expect(mine.body.items).toEqual([
          expect.objectContaining({
            examId: exam.id,
            sessionId: 'b',
            room: 'Aula',
            startsAt: newB.startsAt,
            scheduleVersion: 2,
          }),
        ]);
        const notes = await request(a.url)
          .get('/api/students/me/notifications')
          .set('Authorization', `Bearer ${s.token}`);
        expect(notes.body.items).toHaveLength(1);
      }
      // The desk moved too: b holds 2 of its 3 seats, so one more fits and the next does not.
      const x = await enrolledStudent();
      const y = await enrolledStudent();
      expect((await registerAt(a.url, x.token, exam.id, 'b')).status).toBe(201);
      expect((await registerAt(b.url, y.token, exam.id, 'b')).body.reason).toBe('full');
    } finally {
      movedStream.close();
      staysStream.close();
    }
  });

  it('refuses a reschedule that gives a student overlapping exams (409 + clashes) unless forced', async () => {
    const other = await examWith([futureSession('x', { room: 'C1', dayOffset: 30, hour: 9 })], otherCourseId);
    const original = futureSession('y', { room: 'C2', dayOffset: 30, hour: 13 });
    const exam = await examWith([original]);
    const s = await enrolledStudent();
    await enroll(ce.url, s.token, otherCourseId);
    expect((await registerAt(a.url, s.token, other.id, 'x')).status).toBe(201);
    expect((await registerAt(a.url, s.token, exam.id, 'y')).status).toBe(201);
    const overlapping = [futureSession('y', { room: 'C2', dayOffset: 30, hour: 10 })];
    const expected = [{ studentId: s.id, sessionId: 'y', otherExamId: other.id, otherSessionId: 'x' }];
    const put = (body: object) =>
      request(b.url)
        .put(`/api/exams/${exam.id}/schedule`)
        .set('Authorization', `Bearer ${staff}`)
        .set('If-Match', '"1"')
        .send(body);

    const refused = await put({ sessions: overlapping });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ statusCode: 409, reason: 'clashes', clashes: expected });
    expect(refused.body.message).toContain(s.id);
    // Nothing changed: the version is still 1 on both instances and the student keeps the old time.
    for (const url of [a.url, b.url]) {
      expect((await request(url).get(`/api/exams/${exam.id}/schedule`)).body.version).toBe(1);
    }
    const mine = await request(a.url).get('/api/students/me/exams').set('Authorization', `Bearer ${s.token}`);
    const held = (mine.body.items as { examId: string; startsAt: string }[]).find(
      (e) => e.examId === exam.id,
    );
    expect(held?.startsAt).toBe(original.startsAt);

    const forced = await put({ sessions: overlapping, force: true });
    expect(forced.status).toBe(200);
    expect(forced.body.version).toBe(2);
    expect(forced.body.clashes).toEqual(expected);

    expect((await put({ sessions: overlapping, force: 'yes' })).status).toBe(400);
  });

  it('the student stream needs the student’s own token', async () => {
    const c = new SseClient();
    await c.connect(`${a.url}/api/students/me/events`);
    expect(c.status).toBe(401);
    c.close();
    await c.connect(`${a.url}/api/students/me/events?access_token=${staff}`);
    expect(c.status).toBe(403);
    c.close();
  });
});
