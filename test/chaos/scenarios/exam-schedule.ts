/**
 * Exam schedules and exam seats under faults: "every browser sees the schedule" and "no exam
 * session is overbooked" as claims about the whole system.
 *
 * Run: 2 exam-registration instances (processes from dist; `npm run build` first) on the run's
 * 3-member ensemble and one SQLite file, plus one course-enrollment instance (own SQLite file, not
 * faulted) that issues the tokens and answers the `isEnrolled` RPC; 40 students enrolled in one
 * course; 2 exams with one session each (4 and 6 seats). 10 SSE clients on
 * /api/exams/schedule/events reconnect, to either instance, with Last-Event-ID when their stream
 * ends or on a random timer; 2 staff writers PUT schedules (new time and room, same seats) with
 * If-Match through random instances, retrying from the 412's current version; 10 students at a
 * time register for, cancel and re-register exam sessions through random instances. Every write
 * and registration is recorded (invoke/complete, status, version / seat answer). Faults: the
 * nemesis kills / isolates the coordinator leader or kills a member; the service nemesis
 * (harness/service-nemesis.ts) kill -9s exam-registration instances (restarting them on the same
 * port), SIGSTOPs them past the session timeout, cuts one instance's links to the coordinator, and
 * makes stale seat-pool lock holders (database stall + SIGSTOP of the holder).
 *
 * Checked, each its own anomaly kind. Schedules (exam-schedule-checks.ts): version-regressed (per
 * client, across reconnects), final-version-missing (after healing every client reaches each
 * znode's final version within FINAL_BOUND_MS), lost-acknowledged-write (a 200's version above the
 * final one, acknowledged twice, or holding another schedule in the history children / final read /
 * any client), duplicate-version-data (one version seen as two schedules anywhere). Seats, with the
 * enrollment scenario's audits on the exam-session pools (enrollment-checks.ts): overbooked (pools
 * sampled every 200 ms during the run, every committed pool update from an audit trigger, and the
 * committed seat event log replayed), fence-regressed,
 * seat-count-drift, lost-acknowledged-enrollment / -drop and refused-but-recorded (a 201
 * registration or 200 cancellation against the event log and the final holds), mutual-exclusion-lost
 * (seat-lock-checks.ts); and registration-without-seat / seat-without-registration (the final
 * registration rows against the pools).
 *
 * Planted platform bugs (REGISTRAR_PLANTED_BUGS of the exam-registration instances):
 * `skip-fence-check`, `release-lock-before-commit`.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { znodePaths } from '@registrar/platform';
import {
  ADMIN,
  call,
  createCourse,
  pool,
  registerStudents,
  staffToken,
  type Student,
} from '../../e2e/course-enrollment/cluster.js';
import { SseClient } from '../../e2e/exam-registration/support/sse-client.js';
import { AuditClient } from '../harness/audit-client.js';
import { within } from '../harness/bounded.js';
import { abortableSleep } from '../harness/nemesis.js';
import { sampleRegistrySessions, sampleRegistrySessionsOnce } from '../harness/registry-sessions.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { ServiceFleet, type FleetInstance } from '../harness/service-fleet.js';
import { ServiceNemesis } from '../harness/service-nemesis.js';
import { installPoolLog, SqliteReader } from '../harness/sqlite-reader.js';
import { LockHolders } from './enrollment-lock-holders.js';
import {
  checkAcknowledged as checkSeatAcknowledged,
  checkEventLog,
  checkPoolLog,
  checkSamples,
  type EnrollmentRequest,
  type PoolSample,
} from './enrollment-checks.js';
import { readPoolLog, readSeatEvents, readSeatHolds, samplePools } from './seat-pool-reads.js';
import { checkStaleRefusals, type SessionSample, type StaleFenceRefusal } from './seat-lock-checks.js';
import {
  checkAcknowledged,
  checkDuplicateVersions,
  checkRegistrationsMatchSeats,
  checkFinalVersions,
  checkRefusedNotApplied,
  checkVersionOrder,
  fingerprint,
  newestSeen,
  type AckedWrite,
  type Observation,
  type RefusedWrite,
  type RegistrationRow,
  type StoredVersion,
} from './exam-schedule-checks.js';

const INSTANCES = 2;
const EXAMS = 2;
const CLIENTS = 10;
const WRITERS = 2;
/** Students enrolled in the exams' course; REGISTRANTS of them have a registration request in flight. */
const STUDENTS = 40;
const REGISTRANTS = 10;
/** Seats of each exam's one session ('main'): small, so the pools are full most of the run. */
const SEATS = [4, 6] as const;
const SESSION_ID = 'main';
const SAMPLE_EVERY_MS = 200;
const SESSION_TIMEOUT_MS = 2_000;
/** Longer than a pause, so most writes to a paused instance get their answer after SIGCONT. */
const REQUEST_TIMEOUT_MS = 10_000;
/** A connect to a paused or dead instance is given up after this long. */
const CONNECT_TIMEOUT_MS = 3_000;
/** Random reconnect timer of a client whose stream did not end. */
const STREAM_MS: [number, number] = [1_000, 6_000];
/** After healing: how long every client gets to reach the final versions. */
const FINAL_BOUND_MS = 20_000;
const HISTORY_POLL_MS = 500;
const ZK_OP_MS = 2_000;
const ZK_ROOT = '/chaos-exam-schedule';
const PATHS = znodePaths(ZK_ROOT);
const SCHEDULES = `${ZK_ROOT}/config/exam-schedules`;

export const examScheduleScenario: Scenario = {
  name: 'exam-schedule',
  summary:
    '2 exam-registration instances, 10 SSE clients reconnecting with Last-Event-ID, 2 If-Match staff writers on 2 exams, 40 students registering for 4- and 6-seat sessions; instance kill -9/SIGSTOP/coordinator link cut/stale lock holder + leader kill/isolation + member kill; version order, final versions, acknowledged writes, version data, seats, fences, lock exclusion and registrations audited',
  faults: ['kill-leader', 'isolate-leader', 'kill'],
  pacing: { faultMs: [1500, 4000], quietMs: [2000, 5000] },
  serviceBugs: ['release-lock-before-commit', 'skip-fence-check'],
  run: runExamSchedule,
};

async function runExamSchedule(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder, rng } = ctx;
  const dir = mkdtempSync(join(tmpdir(), 'chaos-exam-db-'));
  const dbPath = join(dir, 'exam-registration.sqlite');
  const env: Record<string, string> = {
    COORDINATION_CONNECT_STRING: cluster.connectString,
    COORDINATION_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    REGISTRAR_ZK_ROOT: ZK_ROOT,
    DATABASE_PATH: dbPath,
    SSE_HEARTBEAT_MS: '1000',
    LOG_LEVEL: 'warn',
    ...(ctx.serviceBugs.length > 0 ? { REGISTRAR_PLANTED_BUGS: ctx.serviceBugs.join(',') } : {}),
  };
  // The identity and enrollment side, never faulted here (the enrollment scenario faults it).
  const ceEnv: Record<string, string> = {
    COORDINATION_CONNECT_STRING: cluster.connectString,
    REGISTRAR_ZK_ROOT: ZK_ROOT,
    DATABASE_PATH: join(dir, 'course-enrollment.sqlite'),
    REGISTRAR_ADMIN_EMAIL: ADMIN.email,
    REGISTRAR_ADMIN_PASSWORD: ADMIN.password,
    PASSWORD_SCRYPT_LOG_N: '10',
    LOG_LEVEL: 'warn',
  };
  const stats = {
    writes: 0,
    acked200: 0,
    stale412: 0,
    /** moves refused because students would hold overlapping exams (sent without force) */
    clash409: 0,
    otherRefusals: 0,
    unknown: 0,
    streams: 0,
    connectFailures: 0,
    streamsEndedByServer: 0,
    events: 0,
    historyVersionsRead: 0,
    acksVerifiedAgainstStore: 0,
    registrations201: 0,
    cancels200: 0,
    full409: 0,
    otherRegistrationRefusals: 0,
    registrationUnknown: 0,
    staleFence503: 0,
    poolSamples: 0,
    poolUpdates: 0,
    sessionSamples: 0,
    seatEvents: 0,
    maxSeated: 0,
    finalWaitMs: 0,
  };
  const audit = await AuditClient.connect(cluster.connectString);
  let fleet: ServiceFleet | undefined;
  let ce: ServiceFleet | undefined;
  let reader: SqliteReader | undefined;
  let holders: LockHolders | undefined;
  const sse: SseClient[] = [];
  try {
    // course-enrollment first: it publishes the JWKS (its own keys only) that exam-registration trusts.
    ce = await ServiceFleet.start('course-enrollment', 1, ceEnv);
    const ceUrl = ce.instances[0]!.url;
    const staff = await staffToken(ceUrl);
    const courseId = await createCourse(ceUrl, staff, {
      code: `CHAOS-EXAM-${ctx.seed}`,
      title: 'Chaos exams',
      capacity: STUDENTS,
      waitlistCapacity: 0,
    });
    const students = await registerStudents([ceUrl], STUDENTS, `chaos-exam-${ctx.seed}-${process.pid}`);
    await pool(students, 8, (st) => enrollInCourse(ceUrl, courseId, st));
    fleet = await ServiceFleet.start('exam-registration', INSTANCES, env);
    const f = fleet;
    ctx.log(`exam-schedule: ${INSTANCES} instances up (db ${dbPath}, logs ${f.logDir})`);
    const tokens = Array.from({ length: WRITERS }, () => staff);
    const exams: string[] = [];
    for (let i = 0; i < EXAMS; i++)
      exams.push(await createExam(f.instances[0]!.url, tokens[0]!, courseId, i));
    const seatsOf = new Map(exams.map((e, i) => [e, SEATS[i % SEATS.length]!]));
    const poolIds = exams.map((e) => `${e}:${SESSION_ID}`);
    ctx.log(`exam-schedule: exams ${exams.join(', ')}; ${students.length} students enrolled in ${courseId}`);
    await installPoolLog(dbPath, 'exam_session');
    reader = await SqliteReader.open(dbPath);
    const db = reader;
    holders = await LockHolders.connect(cluster.connectString, (id) => PATHS.examSessionLock(id));
    const lockHolders = holders;

    const observations: Observation[] = [];
    const stored: StoredVersion[] = [];
    const acks: AckedWrite[] = [];
    const refusedWrites: RefusedWrite[] = [];
    const storedKeys = new Set<string>();
    const base = Date.now() + 10 * 86_400_000;
    // Every exam gets its first schedule (and so its seat pool) before the faults, so students
    // can register from the first second; both instances must have it in their caches.
    for (const examId of exams) {
      const startsAt = new Date(base - 3_600_000);
      const sessions = [
        {
          id: SESSION_ID,
          startsAt: startsAt.toISOString(),
          endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
          room: 'initial',
          seats: seatsOf.get(examId)!,
        },
      ];
      const version = await putInitialSchedule(f.instances[0]!.url, staff, examId, sessions);
      acks.push({ writer: -1, examId, version, fingerprint: fingerprint(sessions) });
      for (const inst of f.instances) await waitForVersion(inst.url, examId, version);
    }

    // ---- SSE clients: own stop signal, they keep running through the final wait.
    const clientsStop = new AbortController();
    setMaxListeners(CLIENTS + 10, clientsStop.signal);
    const cursors: { index: number; stream: number; instance: string; since: string | undefined }[] = [];
    const drain = (c: number): void => {
      const client = sse[c]!;
      const cur = cursors[c]!;
      for (; cur.index < client.events.length; cur.index++) {
        const e = client.events[cur.index]!;
        if (e.event !== 'message') continue;
        let d: { examId?: string; version?: number; mzxid?: number; schedule?: { sessions?: unknown } };
        try {
          d = JSON.parse(e.data);
        } catch {
          continue;
        }
        if (typeof d.examId !== 'string' || typeof d.version !== 'number') continue;
        if (!exams.includes(d.examId)) continue;
        stats.events++;
        observations.push({
          client: c,
          stream: cur.stream,
          examId: d.examId,
          version: d.version,
          fingerprint: fingerprint(d.schedule?.sessions),
          mzxid: d.mzxid,
          instance: cur.instance,
          since: cur.since,
        });
      }
    };
    const client = async (c: number): Promise<void> => {
      const crng = rng.fork();
      const s = sse[c]!;
      const signal = clientsStop.signal;
      while (!signal.aborted) {
        const inst = crng.pick(f.instances);
        cursors[c]!.stream++;
        cursors[c]!.instance = inst.id;
        cursors[c]!.since = s.lastEventId;
        stats.streams++;
        try {
          await within(s.connect(`${inst.url}/api/exams/schedule/events`), CONNECT_TIMEOUT_MS, 'sse connect');
          if (s.status !== 200) throw new Error(`status ${s.status}`);
        } catch {
          stats.connectFailures++;
          s.close();
          drain(c);
          await abortableSleep(crng.between(100, 400), signal);
          continue;
        }
        const ended = s.closed().then(() => 'ended' as const);
        const timer = abortableSleep(crng.between(...STREAM_MS), signal).then(() => 'timer' as const);
        if ((await Promise.race([ended, timer])) === 'ended') stats.streamsEndedByServer++;
        drain(c);
        s.close();
      }
    };
    for (let c = 0; c < CLIENTS; c++) {
      sse.push(new SseClient());
      cursors.push({ index: 0, stream: 0, instance: '', since: undefined });
    }
    const clientsDone = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

    // ---- History sampler: every committed version's bytes, read from the history children.
    const readHistory = async (): Promise<void> => {
      for (const examId of exams) {
        const zk = await audit.client();
        const children = await within(zk.getChildren(`${SCHEDULES}/${examId}`), ZK_OP_MS, 'getChildren');
        for (const name of children) {
          const m = /^v-(\d{10})$/.exec(name);
          if (m === null) continue;
          const key = `${examId}/${name}`;
          if (storedKeys.has(key)) continue;
          const { data } = await within(zk.getData(`${SCHEDULES}/${examId}/${name}`), ZK_OP_MS, 'getData');
          storedKeys.add(key);
          stats.historyVersionsRead++;
          stored.push({
            source: `history ${name}`,
            examId,
            version: Number(m[1]),
            fingerprint: fingerprint((JSON.parse(data.toString()) as { sessions?: unknown }).sessions),
          });
        }
      }
    };
    const sampler = async (signal: AbortSignal): Promise<void> => {
      while (!signal.aborted) {
        await readHistory().catch(() => undefined);
        await abortableSleep(HISTORY_POLL_MS, signal);
      }
    };

    // ---- Staff writers.
    const currentVersion = async (examId: string): Promise<number | undefined> => {
      for (const inst of crngOrder(f.instances)) {
        try {
          const res = await fetch(`${inst.url}/api/exams/${examId}/schedule`, {
            signal: AbortSignal.timeout(2_000),
          });
          if (res.status === 200) return ((await res.json()) as { version: number }).version;
        } catch {
          // down or paused: the other one
        }
      }
      return undefined;
    };
    const writer = async (w: number, signal: AbortSignal): Promise<void> => {
      const wrng = rng.fork();
      const known = new Map<string, number>();
      for (let n = 0; !signal.aborted; n++) {
        const examId = wrng.pick(exams);
        const inst = wrng.pick(f.instances);
        const version = known.get(examId) ?? (await currentVersion(examId)) ?? 0;
        const room = `W${w}-${n}`;
        const startsAt = new Date(base + (n % 50) * 3_600_000);
        const sessions = [
          {
            id: SESSION_ID,
            startsAt: startsAt.toISOString(),
            endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
            room,
            // Same seats every time: the seat audits replay the pools against one capacity.
            seats: seatsOf.get(examId)!,
          },
        ];
        // Both exams' sessions move over the same hours, so a move can give students overlapping
        // exams: most writes force it (the schedule push is what this scenario is about); the rest
        // may be refused as clashes, which must then leave nothing written.
        const force = wrng.chance(0.7);
        const handle = recorder.invoke(`writer-${w}`, 'write-schedule', examId, {
          instance: inst.id,
          ifMatch: version,
          room,
          force,
        });
        stats.writes++;
        let status = 0;
        let body: { version?: number; current?: { version?: number }; reason?: string } = {};
        try {
          const res = await fetch(`${inst.url}/api/exams/${examId}/schedule`, {
            method: 'PUT',
            headers: {
              Authorization: `Bearer ${tokens[w]!}`,
              'If-Match': `"${version}"`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ sessions, force }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          status = res.status;
          body = (await res.json().catch(() => ({}))) as typeof body;
        } catch (e) {
          recorder.unknown(handle, { error: String(e) });
          stats.unknown++;
          known.delete(examId);
          continue;
        }
        if (status === 200 && typeof body.version === 'number') {
          recorder.ok(handle, { status, version: body.version });
          stats.acked200++;
          acks.push({ writer: w, examId, version: body.version, fingerprint: fingerprint(sessions) });
          known.set(examId, body.version);
        } else if (status === 412 && typeof body.current?.version === 'number') {
          recorder.fail(handle, { status, current: body.current.version });
          stats.stale412++;
          known.set(examId, body.current.version);
        } else if (status === 409 && body.reason === 'clashes' && !force) {
          recorder.fail(handle, { status, reason: body.reason });
          stats.clash409++;
          refusedWrites.push({ writer: w, examId, fingerprint: fingerprint(sessions), reason: 'clashes' });
        } else if (status >= 400 && status < 500) {
          recorder.fail(handle, { status, body });
          stats.otherRefusals++;
          known.delete(examId);
        } else {
          recorder.unknown(handle, { status, body });
          stats.unknown++;
          known.delete(examId);
        }
        await abortableSleep(wrng.between(10, 120), signal);
      }
    };
    const crngOrder = (list: FleetInstance[]): FleetInstance[] =>
      rng.chance(0.5) ? [...list] : [...list].reverse();

    // ---- Students: register for an exam's session, cancel, re-register (one request per student).
    const requests: EnrollmentRequest[] = [];
    const refusals: StaleFenceRefusal[] = [];
    const placed = new Set<string>();
    const busy = new Set<number>();
    const registration = async (s: Student, examId: string, op: 'enroll' | 'drop'): Promise<void> => {
      const up = f.instances.filter((i) => i.process !== undefined);
      const inst = rng.pick(up.length > 0 ? up : f.instances);
      const poolId = `${examId}:${SESSION_ID}`;
      const handle = recorder.invoke(s.id, op === 'enroll' ? 'register' : 'cancel', poolId, {
        instance: inst.id,
      });
      const invokeNs = Number(process.hrtime.bigint());
      const reply =
        op === 'enroll'
          ? await call(inst.url, 'POST', `/api/exams/${examId}/sessions/${SESSION_ID}/registrations`, {
              token: s.token,
              timeoutMs: REQUEST_TIMEOUT_MS,
            })
          : await call(inst.url, 'DELETE', `/api/exams/${examId}/registrations/me`, {
              token: s.token,
              timeoutMs: REQUEST_TIMEOUT_MS,
            });
      const completeNs = Number(process.hrtime.bigint());
      const reason = typeof reply.body?.reason === 'string' ? (reply.body.reason as string) : undefined;
      const ok = op === 'enroll' ? reply.status === 201 : reply.status === 200;
      const refused = reply.status >= 400 && reply.status < 500;
      const r: EnrollmentRequest = {
        student: s.id,
        course: poolId,
        op,
        invokeNs,
        outcome: ok ? 'ok' : refused ? 'refused' : 'unknown',
        status: reply.status,
        ...(reason !== undefined ? { reason } : {}),
      };
      requests.push(r);
      const output = { status: reply.status, body: reply.body };
      const key = `${examId}/${s.id}`;
      if (ok) {
        recorder.ok(handle, output);
        if (op === 'enroll') {
          stats.registrations201++;
          placed.add(key);
        } else {
          stats.cancels200++;
          placed.delete(key);
        }
      } else if (refused) {
        recorder.fail(handle, output);
        if (reason === 'full') stats.full409++;
        else stats.otherRegistrationRefusals++;
        if (reason === 'already-registered') placed.add(key);
        if (op === 'drop' && reply.status === 404) placed.delete(key);
      } else {
        recorder.unknown(handle, output);
        stats.registrationUnknown++;
        if (reason === 'stale-fence') {
          stats.staleFence503++;
          refusals.push({ instance: inst.id, pool: poolId, invokeNs, completeNs, what: `${op} ${s.id}` });
        }
      }
    };
    const registrant = async (signal: AbortSignal): Promise<void> => {
      const srng = rng.fork();
      while (!signal.aborted) {
        let i = srng.int(students.length);
        for (let tries = 0; busy.has(i) && tries < students.length; tries++) i = (i + 1) % students.length;
        if (busy.has(i)) {
          await abortableSleep(5, signal);
          continue;
        }
        busy.add(i);
        try {
          const st = students[i]!;
          const examId = srng.pick(exams);
          const holds = placed.has(`${examId}/${st.id}`);
          // Mostly the natural next step; sometimes the repeat (409) or a cancel of nothing (404).
          const op = holds ? (srng.chance(0.8) ? 'drop' : 'enroll') : srng.chance(0.95) ? 'enroll' : 'drop';
          await registration(st, examId, op);
        } finally {
          busy.delete(i);
        }
        await abortableSleep(srng.between(0, 50), signal);
      }
    };

    // ---- Seat pools sampled during the run; registry owners for the stale-fence audit.
    const samples: PoolSample[] = [];
    const sessions: SessionSample[] = [];
    const seatSampler = async (signal: AbortSignal): Promise<void> => {
      while (!signal.aborted) {
        try {
          samples.push(...(await samplePools(db, 'exam_session', poolIds)));
          stats.poolSamples++;
        } catch {
          // the file is busy or being checkpointed: the next sample
        }
        await abortableSleep(SAMPLE_EVERY_MS, signal);
      }
    };
    const registry = f.instances.map((i) => ({
      instance: i.id,
      path: `${PATHS.services}/exam-registration/${i.id}`,
    }));
    let probe = 0;
    const nemesis = new ServiceNemesis({
      fleet: f,
      rng,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      log: (l) => ctx.log(l),
      holderProbe: () => lockHolders.holder(poolIds[probe++ % poolIds.length]!),
      dbPath,
    });

    await ctx.underFaults(async (signal) => {
      await Promise.all([
        ...Array.from({ length: WRITERS }, (_, w) => writer(w, signal)),
        ...Array.from({ length: REGISTRANTS }, () => registrant(signal)),
        sampler(signal),
        seatSampler(signal),
        sampleRegistrySessions(audit, registry, SAMPLE_EVERY_MS, signal, sessions),
        nemesis.run(signal),
      ]);
    });
    await sampleRegistrySessionsOnce(audit, registry, sessions);
    stats.sessionSamples = sessions.length;
    await f.healAll();

    // ---- Final reading: each exam's znode, then the clients get FINAL_BOUND_MS to reach it.
    const finals = new Map<string, number>();
    const finalDeadline = Date.now() + 30_000;
    for (const examId of exams) {
      for (;;) {
        try {
          const zk = await audit.client();
          const { data, stat } = await within(
            zk.getData(`${SCHEDULES}/${examId}`),
            ZK_OP_MS,
            'final getData',
          );
          finals.set(examId, stat.version);
          stored.push({
            source: 'final znode',
            examId,
            version: stat.version,
            fingerprint: fingerprint((JSON.parse(data.toString()) as { sessions?: unknown }).sessions),
          });
          break;
        } catch (e) {
          if (Date.now() > finalDeadline) throw new Error(`final read of ${examId} failed: ${String(e)}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
    await readHistory().catch((e) => ctx.log(`exam-schedule: last history read failed: ${String(e)}`));
    const waitStart = Date.now();
    const allFinal = (): boolean => {
      for (let c = 0; c < CLIENTS; c++) drain(c);
      const newest = newestSeen(observations);
      return Array.from({ length: CLIENTS }, (_, c) => c).every((c) =>
        [...finals].every(([e, v]) => newest.get(c)?.get(e) === v),
      );
    };
    while (!allFinal() && Date.now() - waitStart < FINAL_BOUND_MS)
      await new Promise((r) => setTimeout(r, 200));
    stats.finalWaitMs = Date.now() - waitStart;
    clientsStop.abort();
    await clientsDone;
    for (let c = 0; c < CLIENTS; c++) drain(c);

    const storedSet = new Set(stored.map((s) => `${s.examId}@${s.version}`));
    stats.acksVerifiedAgainstStore = acks.filter((a) => storedSet.has(`${a.examId}@${a.version}`)).length;
    ctx.log(
      `exam-schedule: final versions ${[...finals].map(([e, v]) => `${e}=${v}`).join(', ')}; ${acks.length} acks, ${stats.acksVerifiedAgainstStore} checked against stored bytes`,
    );
    // ---- Seats: the final pools, event log, holds and registration rows (everything healed).
    const finalPools = await samplePools(db, 'exam_session', poolIds);
    const events = (await readSeatEvents(db, 'exam_session')).filter((e) => poolIds.includes(e.course));
    const holds = (await readSeatHolds(db, 'exam_session')).filter((h) => poolIds.includes(h.course));
    const poolLog = (await readPoolLog(db, 'exam_session')).filter((u) => poolIds.includes(u.pool));
    stats.poolUpdates = poolLog.length;
    const rows = (
      await db.all<{ exam_id: string; session_id: string; student_id: string; status: string }>(
        `SELECT exam_id, session_id, student_id, status FROM exam_registrations`,
      )
    ).map((r): RegistrationRow => ({
      examId: r.exam_id,
      sessionId: r.session_id,
      studentId: r.student_id,
      status: r.status as RegistrationRow['status'],
    }));
    stats.seatEvents = events.length;
    stats.maxSeated = Math.max(0, ...samples.map((p) => p.seatedRows));
    const capacities = new Map(
      exams.map((e) => [`${e}:${SESSION_ID}`, { capacity: seatsOf.get(e)!, waitlistCapacity: 0 }]),
    );
    const seated = holds
      .filter((h) => h.status === 'seated')
      .map((h) => {
        const at = h.course.lastIndexOf(':');
        return { examId: h.course.slice(0, at), sessionId: h.course.slice(at + 1), studentId: h.holder };
      });
    const n = nemesis.stats;
    const serviceFaults = n.instanceKills + n.instancePauses + n.linkCuts;
    if (serviceFaults === 0)
      ctx.log('note: no service instance was faulted this run; not an anomaly, but the run proves less');
    return {
      anomalies: [
        ...checkSamples([...samples, ...finalPools]),
        ...checkPoolLog(poolLog),
        ...checkEventLog(events, holds, capacities),
        ...checkSeatAcknowledged(requests, events, holds),
        ...checkStaleRefusals(refusals, sessions),
        ...checkRegistrationsMatchSeats(rows, seated),
        ...checkVersionOrder(observations),
        ...checkFinalVersions(
          Array.from({ length: CLIENTS }, (_, c) => c),
          observations,
          finals,
        ),
        ...checkAcknowledged(acks, stored, observations, finals),
        ...checkDuplicateVersions(stored, observations),
        ...checkRefusedNotApplied(refusedWrites, stored, observations),
      ],
      stats: { ...stats, ...n },
      clientFaults: serviceFaults,
    };
  } finally {
    for (const s of sse) s.close();
    await reader?.close();
    await holders?.close();
    await fleet?.stop();
    await ce?.stop();
    await audit.close();
  }
}

/** Enrolls one student in the exams' course (setup, retried on 5xx: SQLITE_BUSY under load). */
async function enrollInCourse(url: string, courseId: string, s: Student): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const r = await call(url, 'POST', `/api/courses/${courseId}/enrollments`, { token: s.token, body: {} });
    if (r.status === 201 || (r.status === 409 && r.body?.reason === 'already-enrolled')) return;
    if (attempt >= 8 || (r.status > 0 && r.status < 500))
      throw new Error(`enroll ${s.email}: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100 * attempt));
  }
}

/** The first PUT of an exam's schedule (If-Match "0"), retried while the instance settles (bounded). */
async function putInitialSchedule(
  url: string,
  token: string,
  examId: string,
  sessions: unknown[],
): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    let status = 0;
    let body: { version?: unknown } = {};
    try {
      const res = await fetch(`${url}/api/exams/${examId}/schedule`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${token}`, 'If-Match': '"0"', 'Content-Type': 'application/json' },
        body: JSON.stringify({ sessions }),
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      body = (await res.json().catch(() => ({}))) as typeof body;
    } catch {
      // not up yet: again
    }
    if (status === 200 && typeof body.version === 'number') return body.version;
    if (Date.now() > deadline)
      throw new Error(`initial schedule of ${examId}: ${status} ${JSON.stringify(body)}`);
    await new Promise((res) => setTimeout(res, 300));
  }
}

/** Until `url` serves the exam's schedule at `version` or newer (bounded). */
async function waitForVersion(url: string, examId: string, version: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await call(url, 'GET', `/api/exams/${examId}/schedule`, { timeoutMs: 5_000 });
    if (r.status === 200 && Number(r.body?.version) >= version) return;
    if (Date.now() > deadline) throw new Error(`${url} did not reach version ${version} of ${examId}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** POST /api/exams, retried while the fresh instance settles (bounded). */
async function createExam(url: string, token: string, courseId: string, i: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/exams`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ courseId, title: `Chaos exam ${i}` }),
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status === 201) return ((await res.json()) as { id: string }).id;
      if (Date.now() > deadline) throw new Error(`create exam: ${res.status} ${await res.text()}`);
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
