/**
 * Sessions and ephemerals across member crashes. Six client slots, each starting on a different
 * member (full connect string, so a session can move to another member when its own dies), open a
 * session (timeout 4 s), create the ephemeral /chaos/sessions/<slot>-<n>, and prove it alive with
 * setData on it every few hundred ms. Each session then either lives to the end, is closed on
 * purpose, or is made to expire on purpose (FaultInjectingClient.pauseHeartbeat: no pings, so the server must
 * expire it), and the slot opens a fresh one. Connections are also dropped on purpose now and then
 * (the session must survive). An observer session loops sync('/') + getChildren2 of the root.
 * Faults: kill, kill-leader, pause, isolate-leader.
 *
 * Checked (session-events.ts): an ephemeral is never missing from an observed state that includes
 * its create while its owner later still wrote it (it disappears only when its session ended); the
 * owner never gets NONODE on its own ephemeral; once healed, every member holds the ephemerals of
 * the sessions proven alive and none of the sessions that ended (closed or expired), waiting a
 * bounded time for the server to expire the ones that ended only on the client side; and all
 * members agree on the children list. And no session is reported expired sooner after a request the
 * server answered than its negotiated timeout minus a tolerance from tick and syncLimit
 * (premature-expiry, or expired-while-connected when the client learned it while connected).
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import type { ClientState } from '../../../libs/coordination/src/client/client-types.js';
import {
  NoNodeError,
  NodeExistsError,
  SessionExpiredError,
} from '../../../libs/coordination/src/protocol/errors.js';
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import { FaultInjectingClient } from '../../../libs/coordination/src/testing/fault-injecting-client.js';
import type { ChaosCluster } from '../harness/chaos-cluster.js';
import { closeQuietly } from '../harness/chaos-client.js';
import { convergence } from '../harness/checks.js';
import { abortableSleep, sleep } from '../harness/nemesis.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { connectPinned, memberOfHost, waitForStates, within } from './pinned-client.js';
import {
  checkExpiries,
  checkSessions,
  expiryTolerance,
  type ExpiryRecord,
  type FinalView,
  type SessionsLog,
} from './session-events.js';
import { ensurePath } from './workload-keys.js';

const ROOT = '/chaos/sessions';
const SESSION_TIMEOUT_MS = 4000;
const SLOTS = 6;
const OP_BOUND_MS = 5000;
/** How long a session kept on purpose (close / expire plans) lives before its end, ms [min, max]. */
const LIFETIME_MS: readonly [number, number] = [2000, 8000];
/** A heartbeat-paused session the server has not expired after this long is given up (counted). */
const EXPIRY_BOUND_MS = 16_000;
/** After healing: sessions that ended only client-side need one server timeout (plus an election). */
const FINAL_WAIT_MS = 3 * SESSION_TIMEOUT_MS + 8000;
const TERMINAL: ReadonlySet<ClientState> = new Set(['EXPIRED', 'AUTH_FAILED', 'CLOSED']);

export const sessionsScenario: Scenario = {
  name: 'sessions',
  summary:
    'ephemerals of sessions that fail over, close or expire under member kills, pauses and leader isolation; no ephemeral lost while its session lives, none outlives it, convergence',
  faults: [
    'kill',
    'kill-leader',
    'pause',
    'isolate-leader',
    'client-cut',
    'client-blackhole',
    'leader-clock-pauses',
    'lose-quorum',
  ],
  run: runSessions,
};

interface Stats {
  sessionsOpened: number;
  ephemeralsCreated: number;
  sessionsClosed: number;
  sessionsExpired: number;
  expiredOnPurpose: number;
  unplannedExpiries: number;
  expiryTimeouts: number;
  failovers: number;
  survivedMemberDown: number;
  intentionalDrops: number;
  observations: number;
  proofs: number;
  checkedPairs: number;
  liveAtEnd: number;
  endedSessions: number;
  finalWaitMs: number;
}

interface OpenSession {
  zk: ZooKeeperClient;
  name: string;
  session: string;
}

interface Log {
  ephemerals: SessionsLog['ephemerals'][number][];
  proofs: SessionsLog['proofs'][number][];
  ownMissing: SessionsLog['ownMissing'][number][];
  observations: SessionsLog['observations'][number][];
  ends: SessionsLog['ends'][number][];
}

async function runSessions(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster } = ctx;
  const origin = performance.now();
  const now = () => Math.round(performance.now() - origin);
  const setup = await ZooKeeperClient.connect(cluster.connectString, {
    sessionTimeout: 10_000,
    initialConnectTimeout: 10_000,
  });
  try {
    await ensurePath(setup, ROOT);
  } finally {
    await closeQuietly(setup);
  }

  const stats: Stats = {
    sessionsOpened: 0,
    ephemeralsCreated: 0,
    sessionsClosed: 0,
    sessionsExpired: 0,
    expiredOnPurpose: 0,
    unplannedExpiries: 0,
    expiryTimeouts: 0,
    failovers: 0,
    survivedMemberDown: 0,
    intentionalDrops: 0,
    observations: 0,
    proofs: 0,
    checkedPairs: 0,
    liveAtEnd: 0,
    endedSessions: 0,
    finalWaitMs: 0,
  };
  const log: Log = { ephemerals: [], proofs: [], ownMissing: [], observations: [], ends: [] };
  const open: OpenSession[] = [];
  const expiries: ExpiryRecord[] = [];
  /** Per session: when the latest request the server answered was sent. */
  const lastOkSent = new Map<string, number>();
  const endOf = (session: string, how: 'closed' | 'expired') => {
    if (log.ends.some((e) => e.session === session)) return;
    log.ends.push({ session, how, at: now() });
    if (how === 'closed') stats.sessionsClosed++;
    else stats.sessionsExpired++;
  };

  /** Follows one session's states: failovers to another member, and its end. */
  const track = (zk: ZooKeeperClient, session: string, intentional: { drop: boolean; expire: boolean }) => {
    let member = memberOfHost(cluster, zk.connectedHost);
    let lostFrom: { member: number | undefined; faulted: boolean; intentional: boolean } | undefined;
    let before: ClientState = zk.state;
    zk.on('state', (state) => {
      const previous = before;
      before = state;
      if (state === 'DISCONNECTED') {
        const faulted = member !== undefined && (!cluster.isRunning(member) || cluster.isPaused(member));
        lostFrom = { member, faulted, intentional: intentional.drop };
        intentional.drop = false;
      } else if (state === 'CONNECTED') {
        member = memberOfHost(cluster, zk.connectedHost);
        if (lostFrom !== undefined && member !== lostFrom.member && !lostFrom.intentional) {
          // Only faults drop connections we did not drop ourselves (a crash, a pause, or a member
          // letting its clients go when it lost its leader). The member's process state is looked
          // at twice because a kill is seen by the client before the harness marks it stopped.
          stats.failovers++;
          const old = lostFrom.member;
          const downNow = old !== undefined && (!cluster.isRunning(old) || cluster.isPaused(old));
          if (lostFrom.faulted || downNow) stats.survivedMemberDown++;
        }
        lostFrom = undefined;
      } else if (state === 'EXPIRED') {
        expiries.push({
          session,
          timeoutMs: zk.sessionTimeout,
          lastOkSentAt: lastOkSent.get(session),
          at: now(),
          before: previous,
          planned: intentional.expire,
        });
        if (!intentional.expire) stats.unplannedExpiries++;
        endOf(session, 'expired');
      }
    });
  };

  const slot = async (index: number, signal: AbortSignal, rng: SeededRng) => {
    const first = cluster.ids[index % cluster.size]!;
    for (let gen = 1; !signal.aborted; gen++) {
      let zk: FaultInjectingClient;
      try {
        zk = await connectPinned(cluster, first, rng, SESSION_TIMEOUT_MS);
      } catch {
        await abortableSleep(200 + rng.int(300), signal);
        continue;
      }
      stats.sessionsOpened++;
      const session = zk.sessionId.toString(16);
      const name = `c${index}m${first}-${gen}`;
      const path = `${ROOT}/${name}`;
      const intentional = { drop: false, expire: false };
      track(zk, session, intentional);
      const czxid = await createOwn(zk, path);
      if (czxid === undefined) {
        if (!TERMINAL.has(zk.state)) {
          await closeQuietly(zk, OP_BOUND_MS + 1000);
          endOf(session, 'closed');
        }
        continue;
      }
      log.ephemerals.push({ name, session, czxid });
      stats.ephemeralsCreated++;

      const plan = rng.chance(0.4) ? 'keep' : rng.chance(0.5) ? 'close' : 'expire';
      const until = plan === 'keep' ? Infinity : now() + rng.between(...LIFETIME_MS);
      let beat = 0;
      while (!signal.aborted && now() < until && !TERMINAL.has(zk.state)) {
        if (rng.chance(0.02) && zk.state === 'CONNECTED') {
          intentional.drop = true;
          stats.intentionalDrops++;
          zk.dropConnection();
        }
        // Recorded in the run's history too (the checks below use the zxid-based logs).
        const op = ctx.recorder.invoke(session, 'setData', path, { beat: beat + 1 });
        const sentAt = now();
        try {
          const stat = await within(zk.setData(path, String(++beat)), OP_BOUND_MS);
          lastOkSent.set(session, sentAt);
          ctx.recorder.ok(op, { mzxid: stat.mzxid });
          log.proofs.push({ name, session, zxid: stat.mzxid, at: now() });
          stats.proofs++;
        } catch (err) {
          if (err instanceof NoNodeError) ctx.recorder.fail(op, { code: err.code });
          else ctx.recorder.unknown(op);
          if (err instanceof NoNodeError && !TERMINAL.has(zk.state)) {
            log.ownMissing.push({ name, session, at: now() });
          }
          // Connection loss or a bound hit: the session may still be alive; just go on.
        }
        await abortableSleep(150 + rng.int(250), signal);
      }
      if (TERMINAL.has(zk.state)) continue; // expired on its own (recorded by track)
      if (signal.aborted) {
        open.push({ zk, name, session });
        return;
      }
      if (plan === 'close') {
        await closeQuietly(zk, OP_BOUND_MS + 1000);
        endOf(session, 'closed');
      } else {
        intentional.expire = true;
        zk.pauseHeartbeat();
        if (await waitForStates(zk, ['EXPIRED'], EXPIRY_BOUND_MS)) {
          stats.expiredOnPurpose++;
        } else {
          stats.expiryTimeouts++;
          await closeQuietly(zk, OP_BOUND_MS + 1000);
          endOf(session, 'closed');
        }
      }
    }
  };

  const observer = async (signal: AbortSignal, rng: SeededRng) => {
    let zk: ZooKeeperClient | undefined;
    while (!signal.aborted) {
      try {
        if (zk === undefined || TERMINAL.has(zk.state)) {
          if (zk !== undefined) void closeQuietly(zk);
          zk = undefined;
          zk = await ZooKeeperClient.connect(cluster.connectString, {
            sessionTimeout: 6000,
            connectTimeout: 1000,
            initialConnectTimeout: 3000,
          });
        }
        const invokedAt = now();
        const op = ctx.recorder.invoke('observer', 'sync+getChildren', ROOT, {});
        let r: Awaited<ReturnType<ZooKeeperClient['getChildren2']>>;
        try {
          await within(zk.sync('/'), OP_BOUND_MS);
          r = await within(zk.getChildren2(ROOT), OP_BOUND_MS);
        } catch (err) {
          ctx.recorder.unknown(op);
          throw err;
        }
        ctx.recorder.ok(op, { pzxid: r.stat.pzxid, children: r.children.length });
        const id = memberOfHost(cluster, zk.connectedHost);
        log.observations.push({
          invokedAt,
          completedAt: now(),
          member: id === undefined ? undefined : `m${id}`,
          pzxid: r.stat.pzxid,
          children: r.children,
        });
        stats.observations++;
      } catch {
        await abortableSleep(100, signal);
      }
      await abortableSleep(30 + rng.int(80), signal);
    }
    if (zk !== undefined) await closeQuietly(zk);
  };

  const rngs = Array.from({ length: SLOTS + 1 }, () => ctx.rng.fork());
  await ctx.underFaults(async (signal) => {
    await Promise.all([
      observer(signal, rngs[SLOTS]!),
      ...Array.from({ length: SLOTS }, (_, i) => slot(i, signal, rngs[i]!)),
    ]);
  });

  // Healed: which sessions are provably still alive? One successful write each.
  const live = new Set<string>();
  for (const o of open) {
    if (TERMINAL.has(o.zk.state)) continue;
    try {
      const stat = await within(o.zk.setData(`${ROOT}/${o.name}`, 'final'), 10_000);
      log.proofs.push({ name: o.name, session: o.session, zxid: stat.mzxid, at: now() });
      live.add(o.session);
    } catch {
      await closeQuietly(o.zk);
      endOf(o.session, 'closed');
    }
  }

  // Sessions that ended only on the client side are expired by the server within its timeout.
  const waitStart = now();
  let finalViews: FinalView[] = [];
  do {
    finalViews = await readFinalViews(cluster);
    if (finalViews.every((v) => v.children.every((c) => live.has(c.owner)))) break;
    await sleep(500);
  } while (now() - waitStart < FINAL_WAIT_MS);
  stats.finalWaitMs = now() - waitStart;
  const diverged = await convergence(cluster, [ROOT], async (zk, p) =>
    (await zk.getChildren(p)).sort().join(','),
  );
  for (const o of open) await closeQuietly(o.zk);

  const checked = checkSessions({ ...log, liveAtEnd: [...live], finalViews });
  const tolerance = expiryTolerance(cluster.timing.tickTimeMs, cluster.timing.syncLimit);
  const early = checkExpiries(expiries, tolerance);
  stats.checkedPairs = checked.checkedPairs;
  stats.liveAtEnd = live.size;
  stats.endedSessions = log.ends.length;
  ctx.log(
    `sessions: ${stats.ephemeralsCreated} ephemerals, ${stats.observations} observations, ${stats.checkedPairs} checked pairs, ${stats.failovers} failovers of which ${stats.survivedMemberDown} from a crashed or paused member`,
  );
  return {
    anomalies: [...checked.anomalies, ...early, ...diverged],
    stats: { ...stats, expiriesChecked: expiries.filter((e) => e.lastOkSentAt !== undefined).length },
    // Dropped connections and sessions starved of heartbeats are faults too, on the client side.
    clientFaults: stats.intentionalDrops + stats.expiredOnPurpose + stats.expiryTimeouts,
  };
}

/**
 * Creates the ephemeral and confirms ownership; a create lost with the connection may have applied,
 * so NODEEXISTS is checked against ephemeralOwner. Returns its czxid, or undefined when the session
 * ended or it could not be done within a few tries.
 */
async function createOwn(zk: ZooKeeperClient, path: string): Promise<number | undefined> {
  for (let attempt = 0; attempt < 6 && !TERMINAL.has(zk.state); attempt++) {
    try {
      const r = await within(zk.create(path, '', { mode: 'ephemeral' }), OP_BOUND_MS);
      return r.stat.czxid;
    } catch (err) {
      if (err instanceof SessionExpiredError) return undefined;
      if (!(err instanceof NodeExistsError)) await sleep(100);
    }
    try {
      const stat = await within(zk.exists(path), OP_BOUND_MS);
      if (stat !== null && stat.ephemeralOwner === zk.sessionId) return stat.czxid;
      if (stat !== null) return undefined; // someone else's: cannot happen with unique names
    } catch {
      // Retry the create; it answers NODEEXISTS if the earlier one applied.
    }
  }
  return undefined;
}

/** Every member's children of the root with their ephemeralOwner, each read directly after sync. */
async function readFinalViews(cluster: ChaosCluster): Promise<FinalView[]> {
  const views: FinalView[] = [];
  for (const member of cluster.servingIds) {
    const zk = await ZooKeeperClient.connect(cluster.memberConnectString(member), {
      sessionTimeout: 10_000,
      initialConnectTimeout: 10_000,
    });
    try {
      await within(zk.sync('/'), 10_000);
      const names = await within(zk.getChildren(ROOT), 10_000);
      const children: Array<{ name: string; owner: string }> = [];
      for (const name of names) {
        const stat = await within(zk.exists(`${ROOT}/${name}`), 10_000);
        if (stat !== null) children.push({ name, owner: stat.ephemeralOwner.toString(16) });
      }
      views.push({ member, children });
    } finally {
      await closeQuietly(zk);
    }
  }
  return views;
}
