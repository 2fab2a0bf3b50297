/**
 * Lock mutual exclusion under member pauses longer than the session timeout.
 *
 * Run: five workers, each its own session (3 s timeout) pinned to one member, loop on the Lock
 * recipe: acquire /chaos/lock/<key>, hold (mostly a few ms, sometimes 1.5-3.5 s so that a fault
 * lands mid-hold), release. Keys rotate every {@link ACQUISITIONS_PER_KEY} acquisitions.
 * Faults: SIGSTOP of a random member or of the leader, kill -9 and isolation of the leader, held for
 * 2-6 s, i.e. often longer than the session timeout, so the server expires sessions of held locks.
 *
 * Checked: the history of holds is linearizable under the lock model (one holder at a time, fencing
 * tokens increasing). A worker acts as owner exactly from acquire's return until it decides to stop:
 * a normal release, or the Lock's 'suspended'/'lost' event (Curator's rule: once the connection is
 * SUSPENDED the holder cannot know it still owns the lock, so it stops at once). That decision is
 * recorded as a 'release' whose invoke and complete are the moment it was taken, so the check is
 * strict: another grant must complete after the previous holder stopped acting as owner. It holds on
 * correct code because the client declares the connection dead after 2/3 of the session timeout
 * without a reply, before the server can expire the session and hand the lock to somebody else.
 *
 * Stats show the faults reached the invariant: holds ended by suspension, how many of those sessions
 * the server then expired (the lock really moved on), and the smallest gap between the end of such a
 * hold and the next grant of the same lock to another worker (the safety margin).
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { ErrorCode } from '../../../libs/coordination/src/protocol/constants.js';
import { isCoordinationError } from '../../../libs/coordination/src/protocol/errors.js';
import { RecipeTimeoutError } from '../../../libs/coordination/src/recipes/errors.js';
import { Lock } from '../../../libs/coordination/src/recipes/lock.js';
import { lockModel, type LockOp } from '../history/models/lock.js';
import type { HistoryRecorder } from '../history/recorder.js';
import { settledWithin } from '../harness/bounded.js';
import { closeQuietly } from '../harness/chaos-client.js';
import { linearizability } from '../harness/checks.js';
import { abortableSleep } from '../harness/nemesis.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import { ensureRoot, KeyRotation } from './workload-keys.js';

const ROOT = '/chaos/lock';
const WORKERS = 5;
const SESSION_TIMEOUT_MS = 3000;
/** Acquisitions per key before moving on: keeps every checker partition small. */
const ACQUISITIONS_PER_KEY = 50;
/** Longer than a long hold plus a session expiry, so most waits end by a grant. */
const ACQUIRE_TIMEOUT_MS = 6000;
/** Share of holds long enough (past 2/3 of the session timeout) for a pause to catch them mid-hold. */
const LONG_HOLD_CHANCE = 0.08;
/** Bound on a release after a suspension (the delete waits for the reconnect or the expiry). */
const RELEASE_BOUND_MS = SESSION_TIMEOUT_MS + 2000;

/** How a hold ended, as recorded in the release op's input. */
type HoldEnd = 'released' | 'suspended' | 'lost';

export interface LockStats {
  acquisitions: number;
  acquireTimeouts: number;
  acquireErrors: number;
  releases: number;
  holdsEndedBySuspension: number;
  holdsEndedByLoss: number;
  /** Holds ended by suspension whose session the ensemble then expired: the lock really moved on. */
  suspendedThenExpired: number;
  sessionsExpired: number;
  /** Writes answered SESSIONEXPIRED while the client was still CONNECTED (see the worker). */
  expiredWhileConnected: number;
  sessions: number;
  keys: number;
}

export const lockScenario: Scenario = {
  name: 'lock',
  summary:
    'Lock recipe, 5 pinned sessions (3 s timeout), holders stop on SUSPENDED; member pauses/kills/isolation of 2-6 s; lock-model linearizability',
  faults: [
    'pause',
    'pause-leader',
    'kill-leader',
    'isolate-leader',
    'blackhole-leader',
    'client-blackhole',
    'leader-clock-pauses',
  ],
  pacing: { faultMs: [2000, 6000], quietMs: [1000, 3000] },
  run: runLock,
};

async function runLock(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;
  await ensureRoot(cluster.connectString, ROOT);
  const keys = new KeyRotation(ROOT, ACQUISITIONS_PER_KEY);
  const stats: LockStats = {
    acquisitions: 0,
    acquireTimeouts: 0,
    acquireErrors: 0,
    releases: 0,
    holdsEndedBySuspension: 0,
    holdsEndedByLoss: 0,
    suspendedThenExpired: 0,
    sessionsExpired: 0,
    expiredWhileConnected: 0,
    sessions: 0,
    keys: 0,
  };

  const expiredReleases = new Set<number>();
  await ctx.underFaults(async (signal) => {
    await Promise.all(
      Array.from({ length: WORKERS }, (_, w) => {
        const member = cluster.ids[w % cluster.ids.length]!;
        return lockWorker({
          name: `w${w}m${member}`,
          connectString: cluster.memberConnectString(member),
          recorder,
          keys,
          rng: ctx.rng.fork(),
          stats,
          expiredReleases,
          signal,
        });
      }),
    );
  });
  stats.keys = keys.used().length;

  const all = recorder.toJSON() as LockOp[];
  const expiredHolds = [...expiredReleases].map((i) => all[i]!);
  const history = all.filter((op) => op.key.startsWith(ROOT + '/'));
  const lin = linearizability(lockModel(), history);
  return {
    anomalies: lin.anomalies,
    checker: lin.checker,
    stats: { ...stats, minMsExpiredHoldToNextGrant: minGapToNextGrant(expiredHolds, history) },
  };
}

interface WorkerParams {
  name: string;
  connectString: string;
  recorder: HistoryRecorder;
  keys: KeyRotation;
  rng: SeededRng;
  stats: LockStats;
  /** History indices of holds ended by suspension whose session the ensemble then expired. */
  expiredReleases: Set<number>;
  signal: AbortSignal;
}

/** One lock client: its own session on one member, a new session (and history process) after expiry. */
async function lockWorker(p: WorkerParams): Promise<void> {
  const { recorder, stats, signal, rng } = p;
  let generation = 0;
  let zk: ZooKeeperClient | undefined;
  const process = () => `${p.name}.${generation}`;
  try {
    while (!signal.aborted) {
      if (zk !== undefined && zk.state !== 'CONNECTED' && zk.state !== 'DISCONNECTED') {
        if (zk.state === 'EXPIRED') stats.sessionsExpired++;
        void closeQuietly(zk);
        zk = undefined;
        generation++;
      }
      if (zk === undefined) {
        try {
          zk = await ZooKeeperClient.connect(p.connectString, {
            sessionTimeout: SESSION_TIMEOUT_MS,
            initialConnectTimeout: 2000,
            connectTimeout: 1000,
          });
          stats.sessions++;
        } catch {
          await abortableSleep(100 + rng.int(200), signal);
          continue;
        }
      }
      const client = zk;
      const key = p.keys.current();
      const lock = new Lock(client, key, { data: process() });
      const acquire = recorder.invoke(process(), 'acquire', key, {});
      let token: number;
      try {
        ({ fencingToken: token } = await lock.acquire({ timeoutMs: ACQUIRE_TIMEOUT_MS, signal }));
      } catch (err) {
        // acquire() deleted its node before rejecting, and we never acted as owner; but 'fail' would
        // claim someone else held the lock the whole time, which a timeout does not prove.
        recorder.unknown(acquire);
        if (err instanceof RecipeTimeoutError) stats.acquireTimeouts++;
        else stats.acquireErrors++;
        if (isCoordinationError(err, ErrorCode.SESSIONEXPIRED) && client.state === 'CONNECTED') {
          // The ensemble answers "session expired" on a connection it keeps open: this session can
          // do nothing any more, so start a new one (and count it: the report shows how often).
          stats.expiredWhileConnected++;
          void closeQuietly(client);
          zk = undefined;
        }
        generation++; // an op with an unknown outcome retires its process
        p.keys.count();
        continue;
      }
      recorder.ok(acquire, { token });
      stats.acquisitions++;
      p.keys.count();

      let releaseIndex = -1;
      const ended = await hold(lock, client, longOrShortHold(rng), (how) => {
        // Recorded synchronously, at the instant we stop acting as owner.
        const h = recorder.invoke(process(), 'release', key, { how });
        recorder.ok(h, undefined);
        releaseIndex = h.index;
      });
      if (ended === 'released') stats.releases++;
      else if (ended === 'suspended') stats.holdsEndedBySuspension++;
      else stats.holdsEndedByLoss++;
      const sessionBefore = client.sessionId;
      await settledWithin(lock.release(), RELEASE_BOUND_MS);
      if (ended === 'suspended') {
        // Wait (bounded) for the connection to settle, to learn whether the session survived.
        await settle(client, SESSION_TIMEOUT_MS + 1000);
        if (client.state === 'EXPIRED' && client.sessionId === sessionBefore) {
          stats.suspendedThenExpired++;
          p.expiredReleases.add(releaseIndex);
        }
      }
      await abortableSleep(rng.int(10), signal);
    }
  } finally {
    if (zk !== undefined) await closeQuietly(zk);
  }
}

function longOrShortHold(rng: SeededRng): number {
  return rng.chance(LONG_HOLD_CHANCE) ? rng.between(1500, 3500) : rng.between(1, 10);
}

/**
 * Holds the lock for `ms` unless the connection is suspended or the lock lost first; `stop` is called
 * synchronously at the moment the hold ends, before any await, so its record is exact.
 */
function hold(
  lock: Lock,
  client: ZooKeeperClient,
  ms: number,
  stop: (how: HoldEnd) => void,
): Promise<HoldEnd> {
  return new Promise<HoldEnd>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const end = (how: HoldEnd) => {
      clearTimeout(timer);
      lock.off('suspended', onSuspended);
      lock.off('lost', onLost);
      stop(how);
      resolve(how);
    };
    const onSuspended = () => end('suspended');
    const onLost = () => end('lost');
    // The connection may have dropped between the grant and this point (no event was emitted then).
    if (client.state !== 'CONNECTED' || !lock.isHeld) return end(lock.isHeld ? 'suspended' : 'lost');
    lock.once('suspended', onSuspended);
    lock.once('lost', onLost);
    timer = setTimeout(() => end('released'), ms);
  });
}

/** Resolves when the client is CONNECTED again or terminal, or after `ms`. */
function settle(client: ZooKeeperClient, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('state', onState);
      resolve();
    };
    const onState = (s: string) => {
      if (s !== 'DISCONNECTED' && s !== 'CONNECTING') done();
    };
    const timer = setTimeout(done, ms);
    client.on('state', onState);
    if (client.state !== 'DISCONNECTED' && client.state !== 'CONNECTING') done();
  });
}

/**
 * Smallest time (ms) from the end of one of `holds` (release ops recorded at a suspension whose
 * session then expired) to the next grant of the same lock to another process (its acquire's
 * completion); -1 when none was followed by a grant. Shows how much margin the client's early
 * give-up had over the ensemble's expiry and hand-over.
 */
export function minGapToNextGrant(holds: readonly LockOp[], history: readonly LockOp[]): number {
  const ns = (t: number | bigint | undefined) => Number(t ?? 0);
  let min = Number.POSITIVE_INFINITY;
  for (const r of holds) {
    const at = ns(r.complete);
    let next = Number.POSITIVE_INFINITY;
    for (const a of history) {
      if (a.op !== 'acquire' || a.status !== 'ok' || a.key !== r.key || a.process === r.process) continue;
      const done = ns(a.complete);
      if (done >= at && done < next) next = done;
    }
    if (next !== Number.POSITIVE_INFINITY) min = Math.min(min, next - at);
  }
  return min === Number.POSITIVE_INFINITY ? -1 : Math.round(min / 1e6);
}
