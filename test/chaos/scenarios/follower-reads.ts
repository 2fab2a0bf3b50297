/**
 * Reads from followers WITHOUT sync, under member and leader faults, checked for what a ZooKeeper
 * session may rely on (history/client-guarantees.ts): stale reads are allowed, going backwards within
 * a session is not — neither on one member nor after the client moves to another (the client sends
 * its lastZxidSeen on reconnect and a member that is behind must refuse it).
 *
 * Sessions: writers (a write, then reads of their own keys: read-your-writes on the member they sit
 * on) and readers, each either pinned to one member (no failover: it waits for that member) or
 * starting on one member and failing over to the others. Every read is recorded with its Stat
 * (version, mzxid), the member that served it and the client's lastZxidSeen after it; one history
 * process per session, kept across reconnects, because the guarantees are per session.
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import type { ChaosCluster } from '../harness/chaos-cluster.js';
import { ChaosClient, closeQuietly } from '../harness/chaos-client.js';
import { abortableSleep } from '../harness/nemesis.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import type { HistoryRecorder } from '../history/recorder.js';
import { checkClientGuarantees, type InitialState } from '../history/client-guarantees.js';
import { connectPinned, memberOfHost, within } from './pinned-client.js';
import { ensurePath } from './workload-keys.js';

const ROOT = '/chaos/follower-reads';
const KEYS = ['k0', 'k1', 'k2', 'k3'].map((k) => `${ROOT}/${k}`);
const INITIAL = 'init';
const SESSION_TIMEOUT_MS = 4000;
const OP_BOUND_MS = 5000;

interface SessionPlan {
  name: string;
  first: number;
  /** Pinned: the connect string names only `first`, so the session never moves. */
  pinned: boolean;
  /** Chance that an op is a write (0 for readers). */
  writeShare: number;
}

interface SessionCounters {
  sessions: number;
  expired: number;
  reads: number;
  readsLost: number;
  writesOk: number;
  writesUnknown: number;
}

export const followerReadsScenario: Scenario = {
  name: 'follower-reads',
  summary:
    'reads from any member without sync under kills, pauses and isolation; per-session monotonic reads, read-your-writes, no time travel after a move, sequential consistency',
  faults: ['kill', 'kill-leader', 'pause', 'isolate-leader', 'blackhole-leader', 'client-cut', 'two-faults'],
  run: runFollowerReads,
};

async function runFollowerReads(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;
  const admin = new ChaosClient('setup', cluster.connectString, recorder);
  const setup = await admin.session();
  await ensurePath(setup, ROOT);
  const initial = new Map<string, InitialState>();
  for (const key of KEYS) {
    await setup.create(key, INITIAL);
    const { stat } = await setup.getData(key);
    initial.set(key, { value: INITIAL, version: stat.version, mzxid: stat.mzxid });
  }
  await admin.close();

  const ids = [...cluster.ids];
  const plans: SessionPlan[] = [
    // Writers sit on every member in turn; one of them pinned.
    { name: 'w0', first: ids[0]!, pinned: false, writeShare: 0.4 },
    { name: 'w1', first: ids[1 % ids.length]!, pinned: true, writeShare: 0.4 },
    { name: 'w2', first: ids[2 % ids.length]!, pinned: false, writeShare: 0.4 },
    ...ids.flatMap((id, i) => [
      { name: `r${2 * i}`, first: id, pinned: true, writeShare: 0 },
      { name: `r${2 * i + 1}`, first: id, pinned: false, writeShare: 0 },
    ]),
  ];
  const counters: SessionCounters = {
    sessions: 0,
    expired: 0,
    reads: 0,
    readsLost: 0,
    writesOk: 0,
    writesUnknown: 0,
  };
  await ctx.underFaults((signal) =>
    Promise.all(plans.map((p) => runSessions(p, cluster, recorder, ctx.rng.fork(), counters, signal))).then(
      () => undefined,
    ),
  );

  const history = recorder.toJSON().filter((op) => op.key.startsWith(ROOT + '/'));
  const checked = checkClientGuarantees(history, initial);
  const stats = {
    ...counters,
    sessionsChecked: checked.sessions,
    readsChecked: checked.reads,
    writesChecked: checked.writes,
    readsAfterMove: checked.readsAfterMove,
    staleReads: checked.staleReads,
  };
  ctx.log(
    `follower-reads: ${checked.reads} reads (${checked.staleReads} stale, ${checked.readsAfterMove} after a move to another member), ${checked.writes} writes, ${checked.sessions} sessions`,
  );
  return { anomalies: checked.anomalies, stats };
}

/** One plan's sessions, one after another (a new one when the last expired), until `signal`. */
async function runSessions(
  plan: SessionPlan,
  cluster: ChaosCluster,
  recorder: HistoryRecorder,
  rng: SeededRng,
  counters: SessionCounters,
  signal: AbortSignal,
): Promise<void> {
  let generation = 0;
  while (!signal.aborted) {
    let zk: ZooKeeperClient;
    try {
      zk = plan.pinned
        ? await ZooKeeperClient.connect(cluster.memberConnectString(plan.first), {
            sessionTimeout: SESSION_TIMEOUT_MS,
            connectTimeout: 1000,
            initialConnectTimeout: 3000,
          })
        : await connectPinned(cluster, plan.first, rng, SESSION_TIMEOUT_MS);
    } catch {
      await abortableSleep(200 + rng.int(300), signal);
      continue;
    }
    counters.sessions++;
    const process = `${plan.name}.${generation++}`;
    try {
      await followSession(plan, process, zk, cluster, recorder, rng, counters, signal);
    } finally {
      if (zk.state === 'EXPIRED') counters.expired++;
      await closeQuietly(zk);
    }
  }
}

const ENDED = new Set(['EXPIRED', 'CLOSED', 'AUTH_FAILED']);

async function followSession(
  plan: SessionPlan,
  process: string,
  zk: ZooKeeperClient,
  cluster: ChaosCluster,
  recorder: HistoryRecorder,
  rng: SeededRng,
  counters: SessionCounters,
  signal: AbortSignal,
): Promise<void> {
  let counter = 0;
  while (!signal.aborted && !ENDED.has(zk.state)) {
    if (zk.state !== 'CONNECTED') {
      // The client is reconnecting on its own; its session (and the guarantees) carry over.
      await abortableSleep(50, signal);
      continue;
    }
    const key = rng.pick(KEYS);
    const served = () => memberOfHost(cluster, zk.connectedHost);
    if (rng.next() < plan.writeShare) {
      const value = `${process}-${++counter}`;
      const h = recorder.invoke(process, 'write', key, { value });
      try {
        const stat = await within(zk.setData(key, value, -1), OP_BOUND_MS, 'setData');
        recorder.ok(h, {
          version: stat.version,
          mzxid: stat.mzxid,
          sessionZxid: zk.lastZxidSeen,
          member: served(),
        });
        counters.writesOk++;
      } catch {
        recorder.unknown(h);
        counters.writesUnknown++;
        await abortableSleep(50 + rng.int(100), signal);
      }
    } else {
      const h = recorder.invoke(process, 'read', key, {});
      try {
        const { data, stat } = await within(zk.getData(key), OP_BOUND_MS, 'getData');
        recorder.ok(h, {
          value: data.toString('utf8'),
          version: stat.version,
          mzxid: stat.mzxid,
          sessionZxid: zk.lastZxidSeen,
          member: served(),
        });
        counters.reads++;
      } catch {
        // A read that got no answer observed nothing; the checker skips it.
        recorder.unknown(h);
        counters.readsLost++;
        await abortableSleep(50 + rng.int(100), signal);
      }
    }
    await abortableSleep(2 + rng.int(8), signal);
  }
}
