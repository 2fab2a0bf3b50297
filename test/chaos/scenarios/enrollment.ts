/**
 * Course enrollment under faults: "no course is ever overbooked" as a claim about the whole system.
 *
 * Run: 3 course-enrollment instances (processes from dist; `npm run build` first) on the run's
 * 3-member ensemble and one SQLite file; 3 small courses (5-10 seats, waitlists of 2-5); 200
 * pre-registered students (PASSWORD_SCRYPT_LOG_N=10) enroll, drop and re-enroll through random
 * instances, one request per student at a time, every request recorded (invoke/complete, status,
 * body). Faults: the nemesis kills and isolates (or pauses) the coordinator leader; the service
 * nemesis (harness/service-nemesis.ts) kill -9s instances (restarting them on the same port),
 * SIGSTOPs them for 1.5-3x their 2 s session timeout (mostly the course-lock holder), cuts one
 * instance's links to the coordinator for as long (its session expires while it serves), and makes
 * stale holders: a database stall holds batches between lock and write, the holder is SIGSTOPped
 * past its session timeout, another instance takes the lock and writes, the paused one resumes.
 *
 * Checked (enrollment-checks.ts), each as its own anomaly kind: pools sampled every 200 ms while
 * the faults run (overbooked, fence-regressed, counter drift), every committed update of a pool row
 * (an audit trigger's log: fence-regressed, overbooked), the committed event log replayed in
 * commit order (overbooked, fence-regressed, waitlist-order, enrolled-and-waitlisted), the HTTP
 * history against the log and the final rows (lost-acknowledged-enrollment/-drop,
 * refused-but-recorded), every stale-fence refusal against the instance's coordinator session
 * (seat-lock-checks.ts: mutual-exclusion-lost), and after healing plus a promoter period,
 * seat-left-free.
 *
 * Planted platform bugs (REGISTRAR_PLANTED_BUGS of the services, via --planted-bug), each caught
 * alone by the kind that fits it: `skip-fence-check` (a stale holder's batch is accepted:
 * fence-regressed) and `release-lock-before-commit` (a healthy holder's batch refused by the fence
 * because the lock already had a next holder: mutual-exclusion-lost).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN,
  call,
  createCourse,
  registerStudents,
  staffToken,
} from '../../e2e/course-enrollment/cluster.js';
import type { Student } from '../../e2e/course-enrollment/cluster.js';
import { znodePaths } from '@registrar/platform';
import { AuditClient } from '../harness/audit-client.js';
import { abortableSleep } from '../harness/nemesis.js';
import { sampleRegistrySessions, sampleRegistrySessionsOnce } from '../harness/registry-sessions.js';
import type { Anomaly, Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { ServiceFleet, type FleetInstance } from '../harness/service-fleet.js';
import { ServiceNemesis } from '../harness/service-nemesis.js';
import { installPoolLog, SqliteReader } from '../harness/sqlite-reader.js';
import { LockHolders } from './enrollment-lock-holders.js';
import { checkStaleRefusals, type SessionSample, type StaleFenceRefusal } from './seat-lock-checks.js';
import {
  checkAcknowledged,
  checkEventLog,
  checkPoolLog,
  checkSamples,
  checkSeatsFilled,
  type EnrollmentRequest,
  type PoolSample,
} from './enrollment-checks.js';
import { readPoolLog, readSeatEvents, readSeatHolds, samplePools } from './seat-pool-reads.js';

const INSTANCES = 3;
const STUDENTS = 200;
const COURSES = 3;
/** Students with a request in flight at once. */
const CLIENTS = 24;
const SESSION_TIMEOUT_MS = 2_000;
/** Longer than a pause, so most requests to a paused instance get their answer after SIGCONT. */
const REQUEST_TIMEOUT_MS = 10_000;
const SAMPLE_EVERY_MS = 200;
/** After healing: how long the promoter (2 s interval) gets to fill free seats. */
const PROMOTER_PERIOD_MS = 15_000;
const ZK_ROOT = '/chaos-enrollment';
const PATHS = znodePaths(ZK_ROOT);

export const enrollmentScenario: Scenario = {
  name: 'enrollment',
  summary:
    '3 course-enrollment instances, 200 students enroll/drop/re-enroll on 3 small courses; instance kill -9/SIGSTOP/coordinator link cut/stale lock holder + leader kill/isolation; seats, waitlists, fences, lock exclusion and acks audited',
  faults: ['kill-leader', 'isolate-leader', 'pause-leader'],
  pacing: { faultMs: [1500, 4000], quietMs: [2000, 5000] },
  serviceBugs: ['release-lock-before-commit', 'skip-fence-check'],
  run: runEnrollment,
};

interface Course {
  id: string;
  capacity: number;
  waitlistCapacity: number;
}

async function runEnrollment(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder, rng } = ctx;
  const dbPath = join(mkdtempSync(join(tmpdir(), 'chaos-enrollment-db-')), 'course-enrollment.sqlite');
  const env: Record<string, string> = {
    COORDINATION_CONNECT_STRING: cluster.connectString,
    COORDINATION_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    REGISTRAR_ZK_ROOT: ZK_ROOT,
    DATABASE_PATH: dbPath,
    REGISTRAR_ADMIN_EMAIL: ADMIN.email,
    REGISTRAR_ADMIN_PASSWORD: ADMIN.password,
    PASSWORD_SCRYPT_LOG_N: '10',
    LOG_LEVEL: 'warn',
    ...(ctx.serviceBugs.length > 0 ? { REGISTRAR_PLANTED_BUGS: ctx.serviceBugs.join(',') } : {}),
  };
  const stats = {
    requests: 0,
    enrolled201: 0,
    waitlisted201: 0,
    refused409: 0,
    drops200: 0,
    drops404: 0,
    otherRefusals: 0,
    unknown: 0,
    staleFence503: 0,
    samples: 0,
    poolUpdates: 0,
    sessionSamples: 0,
    seatEvents: 0,
    promotions: 0,
    maxFence: 0,
  };
  const fleet = await ServiceFleet.start('course-enrollment', INSTANCES, env);
  let reader: SqliteReader | undefined;
  let holders: LockHolders | undefined;
  let audit: AuditClient | undefined;
  try {
    ctx.log(`enrollment: ${INSTANCES} instances up (db ${dbPath}, logs ${fleet.logDir})`);
    const first = fleet.instances[0]!.url;
    const staff = await staffToken(first);
    const courses: Course[] = [];
    for (let i = 0; i < COURSES; i++) {
      const capacity = 5 + rng.int(6);
      const waitlistCapacity = 2 + rng.int(4);
      const id = await createCourse(first, staff, {
        code: `CHAOS-${ctx.seed}-${i}`,
        title: `Chaos course ${i}`,
        capacity,
        waitlistCapacity,
      });
      courses.push({ id, capacity, waitlistCapacity });
    }
    const students = await registerStudents(
      fleet.instances.map((i) => i.url),
      STUDENTS,
      `chaos-${ctx.seed}-${process.pid}`,
    );
    ctx.log(
      `enrollment: courses ${courses.map((c) => `${c.capacity}+${c.waitlistCapacity}`).join(', ')}; ${students.length} students`,
    );
    await installPoolLog(dbPath, 'course');
    reader = await SqliteReader.open(dbPath);
    holders = await LockHolders.connect(cluster.connectString, (id) => PATHS.courseLock(id));
    const lockHolders = holders;
    audit = await AuditClient.connect(cluster.connectString);
    const db = reader;
    const courseIds = courses.map((c) => c.id);
    const snapshot = (): Promise<PoolSample[]> => samplePools(db, 'course', courseIds);

    const requests: EnrollmentRequest[] = [];
    const refusals: StaleFenceRefusal[] = [];
    const sessions: SessionSample[] = [];
    const samples: PoolSample[] = [];
    const sampleErrors: string[] = [];

    /** One recorded request of `student` against `course` through a random instance. */
    const request = async (
      student: Student,
      course: Course,
      op: 'enroll' | 'drop',
    ): Promise<EnrollmentRequest> => {
      const inst = pickInstance(fleet, rng);
      const path =
        op === 'enroll'
          ? `/api/courses/${course.id}/enrollments`
          : `/api/courses/${course.id}/enrollments/${student.id}`;
      const handle = recorder.invoke(student.id, op, course.id, { instance: inst.id });
      const invokeNs = Number(process.hrtime.bigint());
      const reply = await call(inst.url, op === 'enroll' ? 'POST' : 'DELETE', path, {
        token: student.token,
        ...(op === 'enroll' ? { body: {} } : {}),
        timeoutMs: REQUEST_TIMEOUT_MS,
      });
      stats.requests++;
      const output = { status: reply.status, body: reply.body };
      const ok = op === 'enroll' ? reply.status === 201 : reply.status === 200;
      const refused = reply.status >= 400 && reply.status < 500;
      const r: EnrollmentRequest = {
        student: student.id,
        course: course.id,
        op,
        invokeNs,
        outcome: ok ? 'ok' : refused ? 'refused' : 'unknown',
        status: reply.status,
      };
      if (typeof reply.body?.reason === 'string') r.reason = reply.body.reason;
      if (ok) {
        recorder.ok(handle, output);
        if (op === 'enroll') {
          r.result = reply.body?.status;
          if (reply.body?.position !== undefined) r.position = Number(reply.body.position);
          if (r.result === 'waitlisted') stats.waitlisted201++;
          else stats.enrolled201++;
        } else stats.drops200++;
      } else if (refused) {
        recorder.fail(handle, output);
        if (reply.status === 409) stats.refused409++;
        else if (reply.status === 404 && op === 'drop') stats.drops404++;
        else stats.otherRefusals++;
      } else {
        recorder.unknown(handle, output);
        stats.unknown++;
        if (r.reason === 'stale-fence') {
          stats.staleFence503++;
          refusals.push({
            instance: inst.id,
            pool: course.id,
            invokeNs,
            completeNs: Number(process.hrtime.bigint()),
            what: `${op} ${student.id}`,
          });
        }
      }
      requests.push(r);
      return r;
    };

    /** Where each student last heard they hold a place: the next request follows from it. */
    const placed = new Map<string, { student: number; course: Course }>();
    const busy = new Set<number>();
    /** Half the time someone who holds a place acts (drops, or repeats: 409), else anyone, anywhere. */
    const nextStep = (): { s: number; course: Course } | undefined => {
      if (placed.size > 0 && rng.chance(0.5)) {
        const p = rng.pick([...placed.values()]);
        if (!busy.has(p.student)) return { s: p.student, course: p.course };
      }
      let s = rng.int(students.length);
      for (let tries = 0; busy.has(s) && tries < students.length; tries++) s = (s + 1) % students.length;
      return busy.has(s) ? undefined : { s, course: rng.pick(courses) };
    };
    const client = async (signal: AbortSignal): Promise<void> => {
      while (!signal.aborted) {
        const step = nextStep();
        if (step === undefined) {
          await abortableSleep(5, signal);
          continue;
        }
        const { s, course } = step;
        busy.add(s);
        try {
          const student = students[s]!;
          const key = `${course.id}/${student.id}`;
          // Mostly the natural next step; sometimes the repeat (409 expected) or a drop of nothing (404).
          const op: 'enroll' | 'drop' = placed.has(key)
            ? rng.chance(0.8)
              ? 'drop'
              : 'enroll'
            : rng.chance(0.95)
              ? 'enroll'
              : 'drop';
          const r = await request(student, course, op);
          // What the client learns: a place (201, or 409 already enrolled/waitlisted) or none (200, 404).
          if (r.status === 201 || r.reason === 'already-enrolled' || r.reason === 'already-waitlisted')
            placed.set(key, { student: s, course });
          else if (r.status === 200 || r.status === 404) placed.delete(key);
        } finally {
          busy.delete(s);
        }
        await abortableSleep(rng.between(0, 30), signal);
      }
    };

    const sampler = async (signal: AbortSignal): Promise<void> => {
      while (!signal.aborted) {
        try {
          samples.push(...(await snapshot()));
          stats.samples++;
        } catch (e) {
          sampleErrors.push(String(e));
        }
        await abortableSleep(SAMPLE_EVERY_MS, signal);
      }
    };

    let probe = 0;
    const nemesis = new ServiceNemesis({
      fleet,
      rng,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      log: (l) => ctx.log(l),
      holderProbe: () => lockHolders.holder(courses[probe++ % courses.length]!.id),
      dbPath,
    });
    const registry = fleet.instances.map((i) => ({
      instance: i.id,
      path: `${PATHS.services}/course-enrollment/${i.id}`,
    }));

    await ctx.underFaults(async (signal) => {
      await Promise.all([
        ...Array.from({ length: CLIENTS }, () => client(signal)),
        sampler(signal),
        sampleRegistrySessions(audit!, registry, SAMPLE_EVERY_MS, signal, sessions),
        nemesis.run(signal),
      ]);
    });
    // One more registry sample after the last request completed, for the refusals at the very end.
    await sampleRegistrySessionsOnce(audit, registry, sessions);
    stats.sessionSamples = sessions.length;
    await fleet.healAll();
    if (sampleErrors.length > 0)
      ctx.log(`enrollment: ${sampleErrors.length} samples failed, e.g. ${sampleErrors[0]}`);

    // The promoter's period: free seats with a waitlist must fill once everything is healed.
    const deadline = Date.now() + PROMOTER_PERIOD_MS;
    let final = await snapshot();
    while (checkSeatsFilled(final).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      final = await snapshot();
    }
    const events = await readSeatEvents(db, 'course');
    const holds = await readSeatHolds(db, 'course');
    const poolLog = (await readPoolLog(db, 'course')).filter((u) => courseIds.includes(u.pool));
    stats.poolUpdates = poolLog.length;
    stats.seatEvents = events.length;
    stats.promotions = events.filter((e) => e.reason === 'promote').length;
    stats.maxFence = events.reduce((m, e) => Math.max(m, e.fence), 0);
    const capacities = new Map(courses.map((c) => [c.id, c]));
    const anomalies: Anomaly[] = [
      ...checkSamples([...samples, ...final]),
      ...checkPoolLog(poolLog),
      ...checkEventLog(events, holds, capacities),
      ...checkAcknowledged(requests, events, holds),
      ...checkSeatsFilled(final),
      ...checkStaleRefusals(refusals, sessions),
    ];
    const n = nemesis.stats;
    const serviceFaults = n.instanceKills + n.instancePauses + n.linkCuts;
    if (serviceFaults === 0)
      ctx.log('note: no service instance was faulted this run; not an anomaly, but the run proves less');
    return {
      anomalies,
      stats: { ...stats, ...n },
      clientFaults: serviceFaults,
    };
  } finally {
    await reader?.close();
    await holders?.close();
    await audit?.close();
    await fleet.stop();
  }
}

/** A random instance that is up (a paused one counts: clients cannot tell); any if none is. */
function pickInstance(fleet: ServiceFleet, rng: ScenarioContext['rng']): FleetInstance {
  const up = fleet.instances.filter((i) => i.process !== undefined);
  return rng.pick(up.length > 0 ? up : fleet.instances);
}
