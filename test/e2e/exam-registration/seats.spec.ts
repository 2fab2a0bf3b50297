/**
 * Seats and discovery against real processes: 2 exam-registration instances, 2 course-enrollment
 * instances (the RPC target, found through the registry), one database file each, a live ensemble.
 * - Overbooking: 200 students at once on both instances for a 20-seat session -> exactly 20.
 * - Discovery: kill -9 a course-enrollment instance while registrations call it: every
 *   registration still succeeds (the proxy moves to the other instance), none sees an error.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN,
  createCourse,
  enroll,
  inBatches,
  login,
  newStudent,
  startCourseEnrollment,
} from './support/course-enrollment.js';
import { futureSession, startExamPlatform, type ExamPlatform } from './support/exam-env.js';
import type { ServiceProcess } from './support/service-process.js';

let platform: ExamPlatform;
let exams: ServiceProcess[];
let ces: ServiceProcess[];
let staff: string;
let courseId: string;
const run = randomUUID().slice(0, 6);

beforeAll(async () => {
  platform = await startExamPlatform('seats');
  ces = [await startCourseEnrollment(platform), await startCourseEnrollment(platform)];
  exams = [await platform.startExamService(), await platform.startExamService()];
  staff = (await login(ces[0]!.url, ADMIN.email, ADMIN.password)).token;
  courseId = await createCourse(ces[0]!.url, staff, `SEAT-${run}`, 1000);
});

afterAll(async () => {
  await platform?.stop();
});

async function students(n: number, prefix: string) {
  return inBatches(
    Array.from({ length: n }, (_, i) => i),
    16,
    async (i) => {
      const ce = ces[i % ces.length]!;
      const s = await newStudent(ce.url, `${prefix}-${run}-${i}@example.edu`);
      await enroll(ce.url, s.token, courseId);
      return s;
    },
  );
}

async function examWith(seats: number): Promise<string> {
  const url = exams[0]!.url;
  const created = await request(url)
    .post('/api/exams')
    .set('Authorization', `Bearer ${staff}`)
    .send({ courseId, title: 'Seats' });
  const put = await request(url)
    .put(`/api/exams/${created.body.id}/schedule`)
    .set('Authorization', `Bearer ${staff}`)
    .set('If-Match', '"0"')
    .send({ sessions: [futureSession('desk', { seats })] });
  expect(put.status).toBe(200);
  for (const e of exams) {
    const deadline = Date.now() + 10_000;
    while ((await request(e.url).get(`/api/exams/${created.body.id}/schedule`)).body.version !== 1) {
      if (Date.now() > deadline) throw new Error('schedule did not reach every instance');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return created.body.id as string;
}

function register(url: string, token: string, examId: string) {
  return fetch(`${url}/api/exams/${examId}/sessions/desk/registrations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { reason?: string; message?: string },
  }));
}

describe('exam-session seats', () => {
  it('200 students at once on 2 instances for a 20-seat session: exactly 20 registered', async () => {
    const crowd = await students(200, 'crowd');
    const examId = await examWith(20);
    const results = await Promise.all(crowd.map((s, i) => register(exams[i % 2]!.url, s.token, examId)));
    const by = new Map<string, number>();
    for (const r of results)
      by.set(
        `${r.status} ${r.body.reason ?? r.body.message ?? ''}`,
        (by.get(`${r.status} ${r.body.reason ?? r.body.message ?? ''}`) ?? 0) + 1,
      );
    console.log(`[seats] outcomes: ${JSON.stringify(Object.fromEntries(by))}`);
    expect(results.filter((r) => r.status === 201)).toHaveLength(20);
    expect(results.filter((r) => r.status === 409 && r.body.reason === 'full')).toHaveLength(180);
    const exam = await request(exams[1]!.url).get(`/api/exams/${examId}`);
    expect(exam.body.sessions).toEqual([expect.objectContaining({ id: 'desk', seats: 20, taken: 20 })]);
    // Every winner sees the registration; nobody else does.
    const winners = crowd.filter((_, i) => results[i]!.status === 201);
    for (const w of winners.slice(0, 5)) {
      const mine = await request(exams[0]!.url)
        .get('/api/students/me/exams')
        .set('Authorization', `Bearer ${w.token}`);
      expect(mine.body.items).toEqual([
        expect.objectContaining({ examId, sessionId: 'desk', status: 'active' }),
      ]);
    }
  });

  it('kill -9 of the course-enrollment instance being called: the next registrations succeed through another', async () => {
    const group = await students(60, 'disc');
    const examId = await examWith(100);
    // Warm both RPC endpoints (round robin), then kill one while registrations are in flight.
    const first = await Promise.all(
      group.slice(0, 10).map((s, i) => register(exams[i % 2]!.url, s.token, examId)),
    );
    expect(first.map((r) => r.status)).toEqual(Array(10).fill(201));
    const inFlight = Promise.all(
      group.slice(10, 30).map((s, i) => register(exams[i % 2]!.url, s.token, examId)),
    );
    await ces[0]!.kill();
    const during = await inFlight;
    const after = await Promise.all(
      group.slice(30).map((s, i) => register(exams[i % 2]!.url, s.token, examId)),
    );
    const bad = [...during, ...after].filter((r) => r.status !== 201);
    expect(bad).toEqual([]);
    const exam = await request(exams[0]!.url).get(`/api/exams/${examId}`);
    expect(exam.body.sessions[0].taken).toBe(60);
  });
});
