/**
 * The overbooking proof: 3 course-enrollment instances (separate processes from dist/) share one
 * database and a 3-member ensemble; 500 students enroll at once in a 30-seat course with a 50-place
 * waitlist. Then the same opening minute again while one instance is SIGKILLed and the coordinator's
 * leader is killed mid-run.
 *
 * Run `npm run build` first (the instances run from dist/).
 */
import { ClientProxyFactory, Transport, type ClientProxy } from '@nestjs/microservices';
import { EnrollmentPatterns } from '@registrar/contracts';
import { ZooKeeperClient } from '@registrar/coordination';
import { znodePaths } from '@registrar/platform';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditCourse,
  call,
  createCourse,
  fenceRegressions,
  leaderIndex,
  registerStudents,
  staffToken,
  startCluster,
  type Cluster,
  type Reply,
  type Student,
} from './cluster.js';

const STUDENTS = 500;
const SEATS = 30;
const WAITLIST = 50;

let cluster: Cluster;
let students: Student[];
let staff: string;
let openingCourse: string;
let openingReplies: Reply[];

beforeAll(async () => {
  cluster = await startCluster({ instances: 3, envOf: () => ({ COORDINATION_SESSION_TIMEOUT_MS: '6000' }) });
  const urls = cluster.instances.map((i) => i.url);
  staff = await staffToken(urls[0]!);
  students = await registerStudents(urls, STUDENTS, `${process.pid}`);
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Enrolls every student at once, round-robin over `urls()`; resolves with each student's reply. */
function enrollAll(courseId: string, urls: () => string[]): Promise<Reply>[] {
  return students.map((s, i) => {
    const live = urls();
    return call(live[i % live.length]!, 'POST', `/api/courses/${courseId}/enrollments`, {
      token: s.token,
      body: {},
    });
  });
}

describe('the opening minute', () => {
  it('500 students, 30 seats, 50 waitlist places: exactly 30 enrolled, positions 1..50, 420 refused', async () => {
    const courseId = await createCourse(cluster.instances[0]!.url, staff, {
      code: 'OPEN-1',
      title: 'Opening minute',
      capacity: SEATS,
      waitlistCapacity: WAITLIST,
    });
    const replies = await Promise.all(enrollAll(courseId, () => cluster.instances.map((i) => i.url)));
    openingCourse = courseId;
    openingReplies = replies;

    const statuses = replies.map((r) => r.status);
    expect(
      statuses.filter((s) => s !== 201 && s !== 409),
      JSON.stringify(replies.find((r) => r.status !== 201 && r.status !== 409)),
    ).toEqual([]);
    const enrolled = replies.filter((r) => r.status === 201 && r.body.status === 'enrolled');
    const waitlisted = replies.filter((r) => r.status === 201 && r.body.status === 'waitlisted');
    const refused = replies.filter((r) => r.status === 409);
    expect(enrolled).toHaveLength(SEATS);
    expect(waitlisted).toHaveLength(WAITLIST);
    expect(waitlisted.map((r) => r.body.position as number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: WAITLIST }, (_, i) => i + 1),
    );
    expect(refused).toHaveLength(STUDENTS - SEATS - WAITLIST);
    expect(new Set(refused.map((r) => r.body.message))).toEqual(new Set(['course and waitlist full']));

    // The database agrees with every answer, and the waitlist order is the order of the positions.
    const audit = await auditCourse(await cluster.db(), courseId);
    expect(audit).toMatchObject({ capacity: SEATS, taken: SEATS, waitlisted: WAITLIST });
    replies.forEach((r, i) => {
      const hold = audit.holds.get(students[i]!.id);
      if (r.status === 409) expect(hold).toBeUndefined();
      else expect(hold?.status).toBe(r.body.status === 'enrolled' ? 'seated' : 'waitlisted');
    });
    const byTicket = [...audit.holds.entries()]
      .filter(([, h]) => h.status === 'waitlisted')
      .sort((a, b) => a[1].ticket! - b[1].ticket!)
      .map(([id]) => id);
    const byPosition = waitlisted
      .slice()
      .sort((a, b) => a.body.position - b.body.position)
      .map((r) => r.body.studentId as string);
    expect(byTicket).toEqual(byPosition);
    expect(fenceRegressions(audit.events)).toEqual([]);

    const course = await call(cluster.instances[1]!.url, 'GET', `/api/courses/${courseId}`, { token: staff });
    expect(course.body).toMatchObject({ enrolled: SEATS, waitlisted: WAITLIST, seatsLeft: 0 });
  });

  it('answers enrollment.isEnrolled and course.get over TCP on every instance; one promoter leads', async () => {
    const enrolledIdx = openingReplies.findIndex((r) => r.body?.status === 'enrolled');
    const waitIdx = openingReplies.findIndex((r) => r.body?.status === 'waitlisted');
    const refusedIdx = openingReplies.findIndex((r) => r.status === 409);
    for (const inst of cluster.instances) {
      const client: ClientProxy = ClientProxyFactory.create({
        transport: Transport.TCP,
        options: { host: '127.0.0.1', port: inst.rpcPort! },
      });
      try {
        const ask = (studentId: string) =>
          firstValueFrom(client.send(EnrollmentPatterns.isEnrolled, { studentId, courseId: openingCourse }));
        expect(await ask(students[enrolledIdx]!.id)).toEqual({ enrolled: true, status: 'enrolled' });
        expect(await ask(students[waitIdx]!.id)).toEqual({ enrolled: false, status: 'waitlisted' });
        expect(await ask(students[refusedIdx]!.id)).toEqual({ enrolled: false, status: null });
        expect(
          await firstValueFrom(client.send(EnrollmentPatterns.getCourse, { courseId: openingCourse })),
        ).toMatchObject({
          id: openingCourse,
          code: 'OPEN-1',
          capacity: SEATS,
          enrolled: SEATS,
          waitlisted: WAITLIST,
        });
        expect(
          await firstValueFrom(
            client.send(EnrollmentPatterns.getCourse, { courseId: '00000000-0000-4000-8000-000000000000' }),
          ),
        ).toBeNull();
        await expect(
          firstValueFrom(client.send(EnrollmentPatterns.getCourse, { courseId: '../x' })),
        ).rejects.toMatchObject({
          statusCode: 400,
        });
      } finally {
        await client.close();
      }
    }
    const zk = await ZooKeeperClient.connect(cluster.ensemble.connectString);
    try {
      const paths = znodePaths(cluster.root);
      // Every instance is registered and takes part in the promoter election; exactly one leads it.
      expect(await zk.getChildren(`${paths.services}/course-enrollment`)).toHaveLength(3);
      expect(await zk.getChildren(paths.election('waitlist-promoter'))).toHaveLength(3);
    } finally {
      await zk.close();
    }
  });

  it('while an instance is SIGKILLed and the coordinator leader is killed: never overbooked, every 201 is in the database', async () => {
    const courseId = await createCourse(cluster.instances[0]!.url, staff, {
      code: 'OPEN-2',
      title: 'Opening minute under faults',
      capacity: SEATS,
      waitlistCapacity: WAITLIST,
    });
    const victim = cluster.instances[2]!;
    const survivors = cluster.instances.slice(0, 2).map((i) => i.url);
    let answered = 0;
    let killed = false;
    const seen = new Map<string, Reply[]>();
    // Arrivals spread over ~2.5 s so the faults land while requests are in flight. A student whose
    // request failed (connection reset by the killed instance, 503 while the coordinator elects)
    // asks again on another instance, as the gateway would, until answered.
    const run = Promise.all(
      students.map(async (s, i) => {
        const replies: Reply[] = [];
        seen.set(s.id, replies);
        await new Promise((res) => setTimeout(res, i * 5));
        for (let attempt = 0; attempt < 40; attempt++) {
          const urls = killed ? survivors : cluster.instances.map((x) => x.url);
          const r = await call(
            urls[(i + attempt) % urls.length]!,
            'POST',
            `/api/courses/${courseId}/enrollments`,
            {
              token: s.token,
              body: {},
            },
          );
          replies.push(r);
          if (r.status === 201 || r.status === 409) {
            answered++;
            return r;
          }
          await new Promise((res) => setTimeout(res, 250 + attempt * 100));
        }
        return replies.at(-1)!;
      }),
    );
    const deadline = Date.now() + 60_000;
    while (answered < 20 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    killed = true;
    await victim.kill();
    const leader = await leaderIndex(cluster.ensemble);
    expect(leader).toBeGreaterThanOrEqual(0);
    await cluster.ensemble.kill(leader);
    const answeredAtFaults = answered;
    const finals = await run;

    // Every student was answered by a live instance in the end.
    expect(
      finals.filter((r) => r.status !== 201 && r.status !== 409),
      JSON.stringify(finals.find((r) => r.status !== 201 && r.status !== 409)),
    ).toEqual([]);
    expect(answeredAtFaults).toBeLessThan(STUDENTS);

    const audit = await auditCourse(await cluster.db(), courseId);
    const seated = [...audit.holds.values()].filter((h) => h.status === 'seated').length;
    const waiting = [...audit.holds.values()].filter((h) => h.status === 'waitlisted').length;
    expect(audit.taken).toBeLessThanOrEqual(SEATS);
    expect(seated).toBe(audit.taken);
    expect(waiting).toBe(audit.waitlisted);
    expect(fenceRegressions(audit.events)).toEqual([]);
    for (const s of students) {
      const hold = audit.holds.get(s.id);
      for (const r of seen.get(s.id)!) {
        // Every 201 the client saw is in the database, as answered.
        if (r.status === 201)
          expect(hold?.status, s.id).toBe(r.body.status === 'enrolled' ? 'seated' : 'waitlisted');
        // Nobody is both enrolled and refused.
        if (r.status === 409 && r.body.message === 'course and waitlist full')
          expect(hold, s.id).toBeUndefined();
        if (r.status === 409 && r.body.message === 'already enrolled')
          expect(hold?.status, s.id).toBe('seated');
        if (r.status === 409 && r.body.message === 'already on the waitlist')
          expect(hold?.status, s.id).toBe('waitlisted');
      }
    }
    // Everyone asked until answered, so the course filled exactly despite the faults.
    expect(audit.taken).toBe(SEATS);
    expect(audit.waitlisted).toBe(WAITLIST);
    const retried = [...seen.values()].filter((r) => r.length > 1).length;
    console.log(
      `faults after ${answeredAtFaults} answers; ${retried} students retried; fence ${audit.fence}`,
    );
  });
});
