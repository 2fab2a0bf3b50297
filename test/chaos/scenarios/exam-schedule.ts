/**
 * Exam schedules under faults: "every browser sees the schedule" as a claim about the whole system.
 *
 * Run: 2 exam-registration instances (processes from dist; `npm run build` first) on the run's
 * 3-member ensemble and one SQLite file; 2 exams; 10 SSE clients on /api/exams/schedule/events that
 * reconnect, to either instance, with Last-Event-ID when their stream ends or on a random timer;
 * 2 staff writers (tokens from a TestTokenIssuer key published in the JWKS znode) PUT schedules with
 * If-Match through random instances, retrying from the 412's current version; every write recorded
 * (invoke/complete, status, version). Faults: the nemesis kills / isolates the coordinator leader or
 * kills a member; this scenario kill -9s instances (restarting them on the same port) and SIGSTOPs
 * them for 1.5-3x their session timeout.
 *
 * Checked (exam-schedule-checks.ts), each its own anomaly kind: version-regressed (per client, across
 * reconnects), final-version-missing (after healing every client reaches each znode's final version
 * within FINAL_BOUND_MS), lost-acknowledged-write (a 200's version above the final one, acknowledged
 * twice, or holding another schedule in the history children / final read / any client),
 * duplicate-version-data (one version seen as two schedules anywhere).
 *
 * Not registered in scenarios/index.ts yet: on the real code (2026-12-03) version-regressed shows in
 * about half the 30 s seeds. The evidence always has an event whose mzxid is below the Last-Event-ID
 * the client sent on that stream: the SSE controller filters its replay by Last-Event-ID but not the
 * live changes that follow, and a fresh connection's per-exam `sent` map is empty, so an instance
 * whose cache is still behind the client pushes an older version live. Register it once that is fixed.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestTokenIssuer } from '@registrar/platform/testing';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { SseClient } from '../../e2e/exam-registration/support/sse-client.js';
import { within } from '../harness/bounded.js';
import { closeQuietly } from '../harness/chaos-client.js';
import { abortableSleep } from '../harness/nemesis.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { ServiceFleet, type FleetInstance } from '../harness/service-fleet.js';
import {
  checkAcknowledged,
  checkDuplicateVersions,
  checkFinalVersions,
  checkVersionOrder,
  fingerprint,
  newestSeen,
  type AckedWrite,
  type Observation,
  type StoredVersion,
} from './exam-schedule-checks.js';

const INSTANCES = 2;
const EXAMS = 2;
const CLIENTS = 10;
const WRITERS = 2;
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
const SCHEDULES = `${ZK_ROOT}/config/exam-schedules`;

export const examScheduleScenario: Scenario = {
  name: 'exam-schedule',
  summary:
    '2 exam-registration instances, 10 SSE clients reconnecting with Last-Event-ID, 2 If-Match staff writers on 2 exams; instance kill -9/SIGSTOP + leader kill/isolation + member kill; version order, final versions, acknowledged writes and version data audited',
  faults: ['kill-leader', 'isolate-leader', 'kill'],
  pacing: { faultMs: [1500, 4000], quietMs: [2000, 5000] },
  run: runExamSchedule,
};

async function runExamSchedule(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder, rng } = ctx;
  const dbPath = join(mkdtempSync(join(tmpdir(), 'chaos-exam-db-')), 'exam-registration.sqlite');
  const env: Record<string, string> = {
    COORDINATION_CONNECT_STRING: cluster.connectString,
    COORDINATION_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
    REGISTRAR_ZK_ROOT: ZK_ROOT,
    DATABASE_PATH: dbPath,
    SSE_HEARTBEAT_MS: '1000',
    LOG_LEVEL: 'warn',
  };
  const stats = {
    writes: 0,
    acked200: 0,
    stale412: 0,
    otherRefusals: 0,
    unknown: 0,
    streams: 0,
    connectFailures: 0,
    streamsEndedByServer: 0,
    events: 0,
    historyVersionsRead: 0,
    acksVerifiedAgainstStore: 0,
    instanceKills: 0,
    instancePauses: 0,
    finalWaitMs: 0,
  };
  const zk = await within(
    ZooKeeperClient.connect(cluster.connectString, { sessionTimeout: 10_000 }),
    15_000,
    'audit client connect',
  );
  let fleet: ServiceFleet | undefined;
  const sse: SseClient[] = [];
  try {
    const issuer = await TestTokenIssuer.publish(zk, `${ZK_ROOT}/config/auth/jwks`);
    fleet = await ServiceFleet.start('exam-registration', INSTANCES, env);
    const f = fleet;
    ctx.log(`exam-schedule: ${INSTANCES} instances up (db ${dbPath}, logs ${f.logDir})`);
    const tokens = await Promise.all(
      Array.from({ length: WRITERS }, (_, w) =>
        issuer.sign({ id: `staff-${w}`, role: 'staff', email: `staff-${w}@example.edu`, name: `Staff ${w}` }),
      ),
    );
    const exams: string[] = [];
    for (let i = 0; i < EXAMS; i++)
      exams.push(await createExam(f.instances[0]!.url, tokens[0]!, ctx.seed, i));
    ctx.log(`exam-schedule: exams ${exams.join(', ')}`);

    const observations: Observation[] = [];
    const stored: StoredVersion[] = [];
    const acks: AckedWrite[] = [];
    const storedKeys = new Set<string>();
    const base = Date.now() + 10 * 86_400_000;

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
            id: 'main',
            startsAt: startsAt.toISOString(),
            endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
            room,
            seats: 50 + (n % 200),
          },
        ];
        const handle = recorder.invoke(`writer-${w}`, 'write-schedule', examId, {
          instance: inst.id,
          ifMatch: version,
          room,
        });
        stats.writes++;
        let status = 0;
        let body: { version?: number; current?: { version?: number } } = {};
        try {
          const res = await fetch(`${inst.url}/api/exams/${examId}/schedule`, {
            method: 'PUT',
            headers: {
              Authorization: `Bearer ${tokens[w]!}`,
              'If-Match': `"${version}"`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ sessions }),
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

    // ---- Service nemesis: kill -9 (restart on the same port) or SIGSTOP past the session timeout.
    const serviceNemesis = async (signal: AbortSignal): Promise<void> => {
      const frng = rng.fork();
      while (!signal.aborted) {
        await abortableSleep(frng.between(2_000, 5_000), signal);
        if (signal.aborted) break;
        const up = f.instances.filter((i) => i.process !== undefined && !i.paused);
        if (up.length < 2) continue; // keep one instance serving
        const target = frng.pick(up);
        if (frng.chance(0.5)) {
          const downMs = frng.between(500, 2_500);
          ctx.log(
            `service nemesis: kill -9 ${target.id} (pid ${target.process!.pid}), restart in ${downMs} ms`,
          );
          await f.killAndRestart(target, downMs);
          stats.instanceKills++;
        } else {
          const pauseMs = Math.round(SESSION_TIMEOUT_MS * (1.5 + frng.next() * 1.5));
          ctx.log(`service nemesis: SIGSTOP ${target.id} (pid ${target.process!.pid}) for ${pauseMs} ms`);
          f.pause(target);
          stats.instancePauses++;
          try {
            await abortableSleep(pauseMs, signal);
          } finally {
            f.resume(target);
          }
        }
      }
    };

    await ctx.underFaults(async (signal) => {
      setMaxListeners(WRITERS + 10, signal);
      await Promise.all([
        ...Array.from({ length: WRITERS }, (_, w) => writer(w, signal)),
        sampler(signal),
        serviceNemesis(signal),
      ]);
    });
    await f.healAll();

    // ---- Final reading: each exam's znode, then the clients get FINAL_BOUND_MS to reach it.
    const finals = new Map<string, number>();
    const finalDeadline = Date.now() + 30_000;
    for (const examId of exams) {
      for (;;) {
        try {
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
    if (stats.instancePauses + stats.instanceKills === 0)
      ctx.log('note: no service instance was faulted this run; not an anomaly, but the run proves less');
    return {
      anomalies: [
        ...checkVersionOrder(observations),
        ...checkFinalVersions(
          Array.from({ length: CLIENTS }, (_, c) => c),
          observations,
          finals,
        ),
        ...checkAcknowledged(acks, stored, observations, finals),
        ...checkDuplicateVersions(stored, observations),
      ],
      stats,
      clientFaults: stats.instanceKills + stats.instancePauses,
    };
  } finally {
    for (const s of sse) s.close();
    await fleet?.stop();
    await closeQuietly(zk);
  }
}

/** POST /api/exams, retried while the fresh instance settles (bounded). */
async function createExam(url: string, token: string, seed: number, i: number): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/exams`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ courseId: `c-chaos-${seed}`, title: `Chaos exam ${i}` }),
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
