/**
 * Courses and enrollments through HTTP against the real course-enrollment app (in-process,
 * supertest), a real database (SQLite file, or PostgreSQL with E2E_DATABASE=postgres) and a live
 * 3-member ensemble (ours, or Apache ZooKeeper with E2E_COORDINATOR=apache): happy paths, bad input
 * that must write nothing, drop + promotion, capacity edits, windows, the elected promoter and the
 * config znode.
 */
import type { INestApplication } from '@nestjs/common';
import { ZooKeeperClient } from '@registrar/coordination';
import { createServiceApp, JwksService, znodePaths } from '@registrar/platform';
import { TestTokenIssuer } from '@registrar/platform/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eCoordinator } from '../../support/e2e-coordinator.js';
import { startE2eDatabases, type E2eDatabases } from '../../support/e2e-database.js';
import type { Ensemble } from '../../support/ensemble.js';

const ADMIN = { email: 'registrar-admin@example.edu', password: 'admin-pass-123' };
const ROOT = `/e2e-courses-${process.pid}`;
const paths = znodePaths(ROOT);

let ensemble: Ensemble;
let app: INestApplication;
let databases: E2eDatabases;
let zk: ZooKeeperClient;
let staff: string;
const students: Array<{ id: string; token: string }> = [];
const http = () => request(app.getHttpServer());
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function loginToken(email: string, password: string): Promise<string> {
  const res = await http().post('/api/auth/login').send({ email, password });
  expect(res.status).toBe(200);
  return res.body.accessToken as string;
}

async function newStudent(n: number): Promise<{ id: string; token: string }> {
  const email = `student${n}-${process.pid}@example.edu`;
  const reg = await http()
    .post('/api/auth/register')
    .send({ email, password: 'student-pass-1', name: `S${n}` });
  expect(reg.status).toBe(201);
  return { id: reg.body.id as string, token: await loginToken(email, 'student-pass-1') };
}

let codeSeq = 0;
async function createCourse(body: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await http()
    .post('/api/courses')
    .set(auth(staff))
    .send({ code: `T-${++codeSeq}`, title: 'Test course', capacity: 2, waitlistCapacity: 1, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const enroll = (courseId: string, token: string, body: object = {}) =>
  http().post(`/api/courses/${courseId}/enrollments`).set(auth(token)).send(body);
const course = async (id: string) => (await http().get(`/api/courses/${id}`).set(auth(staff))).body;
const seatRows = async () => {
  const ds = app.get(DataSource);
  const [pools] = await ds.query('SELECT COUNT(*) AS n FROM course_seat_pools');
  const [holds] = await ds.query('SELECT COUNT(*) AS n FROM course_seat_holds');
  const [events] = await ds.query('SELECT COUNT(*) AS n FROM course_seat_events');
  return [Number(pools.n), Number(holds.n), Number(events.n)];
};

beforeAll(async () => {
  ensemble = await startE2eCoordinator(3);
  databases = await startE2eDatabases();
  zk = await ZooKeeperClient.connect(ensemble.connectString);
  // The config znode exists before the app starts: the promoter runs every 200 ms.
  await zk.create(ROOT).catch(() => undefined);
  await zk.create(`${ROOT}/config`).catch(() => undefined);
  await zk.create(paths.serviceConfig('course-enrollment'), JSON.stringify({ promoterIntervalMs: 200 }));
  Object.assign(process.env, {
    COORDINATION_CONNECT_STRING: ensemble.connectString,
    REGISTRAR_ZK_ROOT: ROOT,
    ...databases.envFor('course_enrollment_courses'),
    REGISTRAR_ADMIN_EMAIL: ADMIN.email,
    REGISTRAR_ADMIN_PASSWORD: ADMIN.password,
    PASSWORD_SCRYPT_LOG_N: '10',
    LOG_LEVEL: 'warn',
  });
  const { AppModule } = await import('../../../apps/course-enrollment/src/app.module.js');
  app = await createServiceApp(AppModule, { service: 'course-enrollment', title: 'test' });
  await app.init();
  await app.get(JwksService).idle();
  staff = await loginToken(ADMIN.email, ADMIN.password);
  for (let i = 0; i < 6; i++) students.push(await newStudent(i));
});

afterAll(async () => {
  // Each step runs even if an earlier one fails, so no coordinator member outlives the suite.
  for (const step of [
    () => app?.close(),
    () => zk?.close(),
    () => ensemble?.stop(),
    () => databases?.stop(),
  ]) {
    await Promise.resolve()
      .then(step)
      .catch(() => undefined);
  }
});

describe('courses', () => {
  it('staff create a course; anyone signed in reads it with live seat counts', async () => {
    const c = await createCourse({ capacity: 30, waitlistCapacity: 50, code: 'cs-101' });
    expect(c).toMatchObject({
      code: 'CS-101',
      capacity: 30,
      enrolled: 0,
      waitlisted: 0,
      seatsLeft: 30,
      waitlistCapacity: 50,
    });
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    const got = await http().get(`/api/courses/${c.id}`).set(auth(students[0]!.token));
    expect(got.status).toBe(200);
    expect(got.body).toEqual(c);
  });

  it('takes the default waitlist size from the config znode', async () => {
    const before = await createCourse({ waitlistCapacity: undefined });
    expect(before.waitlistCapacity).toBe(50); // DEFAULT_WAITLIST_CAPACITY
    await zk.setData(
      paths.serviceConfig('course-enrollment'),
      JSON.stringify({ promoterIntervalMs: 200, defaultWaitlistCapacity: 7 }),
    );
    await expect
      .poll(async () => (await createCourse({ waitlistCapacity: undefined })).waitlistCapacity, {
        timeout: 10_000,
      })
      .toBe(7);
  });

  it('refuses bad bodies, unknown fields (mass assignment) and duplicate codes, writing nothing', async () => {
    const before = await seatRows();
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ code: 'X-1', title: 't', capacity: 3, enrolled: 99 }, 400, 'property enrolled should not exist'],
      [{ code: 'X-1', title: 't', capacity: 3, taken: 3 }, 400, 'property taken should not exist'],
      [{ code: 'X-1', title: 't', capacity: -1 }, 400, 'capacity'],
      [{ code: 'X-1', title: 't', capacity: 'lots' }, 400, 'capacity'],
      [{ code: '../x', title: 't', capacity: 3 }, 400, 'code'],
      [{ code: 'X-1', title: 't', capacity: 3, enrollmentOpensAt: 'tomorrow' }, 400, 'enrollmentOpensAt'],
      [
        {
          code: 'X-1',
          title: 't',
          capacity: 3,
          enrollmentOpensAt: '2026-12-02T00:00:00Z',
          enrollmentClosesAt: '2026-12-01T00:00:00Z',
        },
        400,
        'after',
      ],
      [{ code: 'CS-101', title: 'dup', capacity: 3 }, 409, 'already exists'],
    ];
    for (const [body, status, message] of cases) {
      const res = await http().post('/api/courses').set(auth(staff)).send(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status });
      expect(JSON.stringify(res.body.message)).toContain(message);
    }
    // A body that is not JSON at all: 400 saying so, not a 500, and nothing written.
    const broken = await http()
      .post('/api/courses')
      .set(auth(staff))
      .set('content-type', 'application/json')
      .send('{"code": "X-1", "title": "t", capacity: 3');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(broken.body.message).toMatch(/^malformed JSON body: .*JSON at position \d+/);
    expect(await seatRows()).toEqual(before);
    const list = await http().get('/api/courses?pageSize=100').set(auth(staff));
    expect(list.body.items.map((c: { code: string }) => c.code)).not.toContain('X-1');
  });

  it('only staff create or edit; missing, forged and expired tokens get 401 JSON', async () => {
    const c = await createCourse();
    expect(
      (
        await http()
          .post('/api/courses')
          .set(auth(students[0]!.token))
          .send({ code: 'S-1', title: 't', capacity: 1 })
      ).status,
    ).toBe(403);
    expect(
      (await http().patch(`/api/courses/${c.id}`).set(auth(students[0]!.token)).send({ capacity: 9 })).status,
    ).toBe(403);
    // The catalogue is public; writing is not.
    expect((await http().get('/api/courses')).status).toBe(200);
    expect((await http().get(`/api/courses/${c.id}`)).status).toBe(200);
    const none = await http().post('/api/courses').send({ code: 'N-1', title: 't', capacity: 1 });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    const forged = await TestTokenIssuer.forge({ id: students[0]!.id, role: 'staff' });
    expect(
      (await http().post('/api/courses').set(auth(forged)).send({ code: 'F-1', title: 't', capacity: 1 }))
        .status,
    ).toBe(401);
    const issuer = await TestTokenIssuer.publish(zk, paths.jwks);
    await app.get(JwksService).catchUp();
    const expired = await issuer.sign({ id: students[0]!.id, role: 'staff' }, { expiresIn: -60 });
    expect(
      (await http().post('/api/courses').set(auth(expired)).send({ code: 'E-1', title: 't', capacity: 1 }))
        .status,
    ).toBe(401);
    expect((await course(c.id)).capacity).toBe(2);
  });

  it('answers 400 for invalid ids and 404 for unknown ones', async () => {
    expect((await http().get('/api/courses/not-a-uuid').set(auth(staff))).status).toBe(400);
    const missing = await http().get('/api/courses/00000000-0000-4000-8000-000000000000').set(auth(staff));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await enroll('00000000-0000-4000-8000-000000000000', students[0]!.token)).status).toBe(404);
    expect((await enroll('1; DROP TABLE courses', students[0]!.token)).status).toBe(400);
  });

  it('lists courses by page with open and full filters', async () => {
    const full = await createCourse({ capacity: 1 });
    expect((await enroll(full.id, students[5]!.token)).status).toBe(201);
    const future = await createCourse({ enrollmentOpensAt: new Date(Date.now() + 86_400_000).toISOString() });
    const isFull = await http().get('/api/courses?full=true&pageSize=100').set(auth(staff));
    expect(isFull.body.items.map((c: { id: string }) => c.id)).toContain(full.id);
    expect(isFull.body.items.every((c: { seatsLeft: number }) => c.seatsLeft === 0)).toBe(true);
    const notFull = await http().get('/api/courses?full=false&pageSize=100').set(auth(staff));
    expect(notFull.body.items.map((c: { id: string }) => c.id)).not.toContain(full.id);
    const closed = await http().get('/api/courses?open=false&pageSize=100').set(auth(staff));
    expect(closed.body.items.map((c: { id: string }) => c.id)).toEqual([future.id]);
    const page = await http().get('/api/courses?page=2&pageSize=2').set(auth(staff));
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ page: 2, pageSize: 2 });
    expect(page.body.items).toHaveLength(2);
    expect((await http().get('/api/courses?pageSize=1000').set(auth(staff))).status).toBe(400);
    expect((await http().get('/api/courses?full=maybe').set(auth(staff))).status).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('documents the course and enrollment routes', async () => {
    const doc = await http().get('/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/courses',
        '/api/courses/{id}',
        '/api/courses/{id}/enrollments',
        '/api/courses/{id}/enrollments/{studentId}',
        '/api/students/me/enrollments',
      ]),
    );
    expect(doc.body.components.schemas.CreateCourseDto.required).toEqual(
      expect.arrayContaining(['code', 'title', 'capacity']),
    );
  });
});

describe('enrollments', () => {
  it('enrolls, waitlists with a position, then refuses: 201, 201, 201, 409', async () => {
    const c = await createCourse({ capacity: 2, waitlistCapacity: 1 });
    const [a, b, w, x] = students;
    expect((await enroll(c.id, a!.token)).body).toEqual({
      courseId: c.id,
      studentId: a!.id,
      status: 'enrolled',
    });
    const again = await enroll(c.id, a!.token);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ statusCode: 409, message: 'already enrolled' });
    expect((await enroll(c.id, b!.token)).status).toBe(201);
    const waiting = await enroll(c.id, w!.token);
    expect(waiting.status).toBe(201);
    expect(waiting.body).toMatchObject({ status: 'waitlisted', position: 1 });
    const full = await enroll(c.id, x!.token);
    expect(full.status).toBe(409);
    expect(full.body.message).toBe('course and waitlist full');
    expect(await course(c.id)).toMatchObject({ enrolled: 2, waitlisted: 1, seatsLeft: 0 });

    const mine = await http().get('/api/students/me/enrollments').set(auth(w!.token));
    expect(mine.body).toEqual([
      expect.objectContaining({ courseId: c.id, studentId: w!.id, status: 'waitlisted', position: 1 }),
    ]);
    const listed = await http().get(`/api/courses/${c.id}/enrollments?status=enrolled`).set(auth(staff));
    expect(listed.body.items.map((e: { studentId: string }) => e.studentId).sort()).toEqual(
      [a!.id, b!.id].sort(),
    );
    expect((await http().get(`/api/courses/${c.id}/enrollments`).set(auth(a!.token))).status).toBe(403);
    expect((await http().get(`/api/courses/${c.id}/enrollments?status=seated`).set(auth(staff))).status).toBe(
      400,
    );
  });

  it("refuses another student's id, staff enrolling themselves and mass assignment, writing nothing", async () => {
    const c = await createCourse();
    const before = await seatRows();
    const other = await enroll(c.id, students[0]!.token, { studentId: students[1]!.id });
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    expect((await enroll(c.id, staff)).status).toBe(403);
    const adminId = (await http().get('/api/auth/me').set(auth(staff))).body.id as string;
    expect((await enroll(c.id, staff, { studentId: adminId })).status).toBe(400);
    expect((await enroll(c.id, students[0]!.token, { status: 'enrolled' })).status).toBe(400);
    expect((await enroll(c.id, students[0]!.token, { position: 1 })).status).toBe(400);
    expect((await enroll(c.id, staff, { studentId: 'nobody' })).status).toBe(400);
    expect((await enroll(c.id, staff, { studentId: '00000000-0000-4000-8000-000000000000' })).status).toBe(
      404,
    );
    expect(await seatRows()).toEqual(before);
    expect(await course(c.id)).toMatchObject({ enrolled: 0, waitlisted: 0 });
    // Staff may enroll a student by id.
    const byStaff = await enroll(c.id, staff, { studentId: students[1]!.id });
    expect(byStaff.body).toMatchObject({ studentId: students[1]!.id, status: 'enrolled' });
  });

  it('a drop promotes the first waitlisted student in the same step, with history rows', async () => {
    const c = await createCourse({ capacity: 1, waitlistCapacity: 2 });
    const [a, w1, w2] = students;
    await enroll(c.id, a!.token);
    await enroll(c.id, w1!.token);
    expect((await enroll(c.id, w2!.token)).body.position).toBe(2);
    expect(
      (await http().delete(`/api/courses/${c.id}/enrollments/${a!.id}`).set(auth(w1!.token))).status,
    ).toBe(403);
    const dropped = await http().delete(`/api/courses/${c.id}/enrollments/${a!.id}`).set(auth(a!.token));
    expect(dropped.status).toBe(200);
    expect(dropped.body).toMatchObject({ status: 'dropped' });
    expect(await course(c.id)).toMatchObject({ enrolled: 1, waitlisted: 1 });
    const e1 = await http().get(`/api/courses/${c.id}/enrollments/${w1!.id}`).set(auth(w1!.token));
    expect(e1.body).toMatchObject({ status: 'enrolled' });
    const e2 = await http().get(`/api/courses/${c.id}/enrollments/${w2!.id}`).set(auth(w2!.token));
    expect(e2.body).toMatchObject({ status: 'waitlisted', position: 1 });
    const hist = await http().get(`/api/courses/${c.id}/enrollments/${w1!.id}/history`).set(auth(staff));
    expect(
      hist.body.map((h: { from: string; to: string; reason: string }) => [h.from, h.to, h.reason]),
    ).toEqual([
      [null, 'waitlisted', 'admit'],
      ['waitlisted', 'enrolled', 'promote'],
    ]);
    expect(
      (await http().delete(`/api/courses/${c.id}/enrollments/${a!.id}`).set(auth(a!.token))).status,
    ).toBe(404);
    // Re-enrolling after a drop goes to the back of the line.
    expect((await enroll(c.id, a!.token)).body).toMatchObject({ status: 'waitlisted', position: 2 });
  });

  it('capacity grows (promoting in order) and shrinks only down to the enrolled count', async () => {
    const c = await createCourse({ capacity: 1, waitlistCapacity: 3 });
    const [a, w1, w2, w3] = students;
    for (const s of [a, w1, w2, w3]) await enroll(c.id, s!.token);
    const before = await seatRows();
    const shrink = await http().patch(`/api/courses/${c.id}`).set(auth(staff)).send({ capacity: 0 });
    expect(shrink.status).toBe(409);
    expect(shrink.body).toMatchObject({ statusCode: 409, enrolled: 1 });
    expect((await http().patch(`/api/courses/${c.id}`).set(auth(staff)).send({ enrolled: 99 })).status).toBe(
      400,
    );
    expect(
      (await http().patch(`/api/courses/${c.id}`).set(auth(staff)).send({ waitlistCapacity: 1 })).status,
    ).toBe(409);
    expect(await seatRows()).toEqual(before);
    const grown = await http()
      .patch(`/api/courses/${c.id}`)
      .set(auth(staff))
      .send({ capacity: 3, title: 'Bigger' });
    expect(grown.status).toBe(200);
    expect(grown.body).toMatchObject({ capacity: 3, enrolled: 3, waitlisted: 1, title: 'Bigger' });
    const enrolled = await http().get(`/api/courses/${c.id}/enrollments?status=enrolled`).set(auth(staff));
    expect(enrolled.body.items.map((e: { studentId: string }) => e.studentId).sort()).toEqual(
      [a!.id, w1!.id, w2!.id].sort(),
    );
    const shrunk = await http()
      .patch(`/api/courses/${c.id}`)
      .set(auth(staff))
      .send({ capacity: 3, waitlistCapacity: 1 });
    expect(shrunk.status).toBe(200);
  });

  it('students enroll only inside the window and drop only before the deadline; staff may', async () => {
    const soon = await createCourse({ enrollmentOpensAt: new Date(Date.now() + 3_600_000).toISOString() });
    const early = await enroll(soon.id, students[0]!.token);
    expect(early.status).toBe(403);
    expect(early.body.message).toMatch(/not open/);
    const over = await createCourse({
      enrollmentOpensAt: '2020-01-01T00:00:00Z',
      enrollmentClosesAt: '2020-02-01T00:00:00Z',
    });
    expect((await enroll(over.id, students[0]!.token)).status).toBe(403);
    expect((await enroll(over.id, staff, { studentId: students[0]!.id })).status).toBe(201);
    const late = await createCourse({ dropDeadline: '2020-01-01T00:00:00Z' });
    await enroll(late.id, students[1]!.token);
    expect(
      (
        await http()
          .delete(`/api/courses/${late.id}/enrollments/${students[1]!.id}`)
          .set(auth(students[1]!.token))
      ).status,
    ).toBe(403);
    expect(
      (await http().delete(`/api/courses/${late.id}/enrollments/${students[1]!.id}`).set(auth(staff))).status,
    ).toBe(200);
  });

  it('the elected promoter fills a seat freed by something that did not promote', async () => {
    const c = await createCourse({ capacity: 1, waitlistCapacity: 2 });
    await enroll(c.id, students[0]!.token);
    await enroll(c.id, students[1]!.token);
    // An instance that died between its drop and the promotion: the seat is free, nobody moved up.
    const ds = app.get(DataSource);
    const p = ds.options.type === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    await ds.query(
      `UPDATE course_seat_holds SET status = 'released' WHERE pool_id = ${p[0]} AND holder_id = ${p[1]}`,
      [c.id, students[0]!.id],
    );
    await ds.query(`UPDATE course_seat_pools SET taken = taken - 1 WHERE id = ${p[0]}`, [c.id]);
    await expect
      .poll(
        async () =>
          (await http().get(`/api/courses/${c.id}/enrollments/${students[1]!.id}`).set(auth(staff))).body
            .status,
        {
          timeout: 15_000,
        },
      )
      .toBe('enrolled');
    expect(await course(c.id)).toMatchObject({ enrolled: 1, waitlisted: 0 });
  });
});
