/**
 * No committed change goes unnoticed. A writer (its own session, ChaosClient: every write is in the
 * history) sets /chaos/watch/k0 and /k1 to increasing integers. Six watchers, each starting on a
 * different member with failover allowed (full connect string), follow one key: four with one-shot
 * watches (getData(path, watcher) -> record -> wait for the event -> read again), two with a
 * persistent watch (addWatch 'persistent', then read after each event). A watcher whose session
 * reconnected since its last read syncs before the next one; a new session syncs first. A
 * persistent watcher also re-reads after every reconnect: the server re-adds its watch silently.
 * Faults: kill, kill-leader, pause, isolate-leader.
 *
 * Checked (watch-events.ts): per watcher, versions read never go backwards (also across its
 * sessions, thanks to the sync); every notification is followed by a read newer than the version
 * armed at; the writer's acks increase and reads agree with the acked value of their version; and
 * once healed with the writer stopped, every watcher reads the final version within a bound, a
 * watcher left armed below it without a notification being a missed notification.
 */
import type { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import type { ClientState } from '../../../libs/coordination/src/client/client-types.js';
import { EventType } from '../../../libs/coordination/src/protocol/constants.js';
import type { WatchEvent } from '../../../libs/coordination/src/client/watch-registry.js';
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import type { ChaosCluster } from '../harness/chaos-cluster.js';
import { ChaosClient, closeQuietly } from '../harness/chaos-client.js';
import { abortableSleep, sleep } from '../harness/nemesis.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { connectPinned, within } from './pinned-client.js';
import { checkWatches, type WatcherLog, type WatcherRecord, type WriterAck } from './watch-events.js';
import { ensurePath } from './workload-keys.js';

const ROOT = '/chaos/watch';
const KEYS = [`${ROOT}/k0`, `${ROOT}/k1`];
const WATCHERS = 6;
const PERSISTENT_WATCHERS = 2;
const SESSION_TIMEOUT_MS = 4000;
const OP_BOUND_MS = 5000;
/** Once healed and the writer stopped, every watcher must read the final version within this. */
const CATCH_UP_MS = 10_000;
const TERMINAL: ReadonlySet<ClientState> = new Set(['EXPIRED', 'AUTH_FAILED', 'CLOSED']);

export const watchesScenario: Scenario = {
  name: 'watches',
  summary:
    'one-shot and persistent data watches under member kills, pauses and leader isolation; in-order versions, no spurious or missed notification, every watcher catches up',
  faults: ['kill', 'kill-leader', 'pause', 'isolate-leader', 'client-cut', 'blackhole-leader'],
  run: runWatches,
};

interface WatcherState {
  log: WatcherLog & { records: WatcherRecord[] };
  maxSeen: number;
  sessions: number;
  expired: number;
}

async function runWatches(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;

  const writer = new ChaosClient('writer', cluster.connectString, recorder, {
    sessionTimeoutMs: SESSION_TIMEOUT_MS,
  });
  const setup = await writer.session();
  await ensurePath(setup, ROOT);
  for (const key of KEYS) await ensurePath(setup, key);

  const acks: WriterAck[] = [];
  let writesUnknown = 0;
  const watchers: WatcherState[] = Array.from({ length: WATCHERS }, (_, i) => ({
    log: {
      watcher: `w${i}`,
      key: KEYS[i % KEYS.length]!,
      mode: i >= WATCHERS - PERSISTENT_WATCHERS ? 'persistent' : 'one-shot',
      records: [],
    },
    maxSeen: -1,
    sessions: 0,
    expired: 0,
  }));

  // Watchers outlive the faulted phase: they must still catch up once it is healed.
  const stopWatchers = new AbortController();
  const watcherRuns = watchers.map((w, i) =>
    runWatcher(w, cluster, cluster.ids[i % cluster.size]!, ctx.rng.fork(), stopWatchers.signal),
  );

  const writerRng = ctx.rng.fork();
  let counter = 0;
  await ctx.underFaults(async (signal) => {
    while (!signal.aborted) {
      const key = KEYS[counter % KEYS.length]!;
      const value = String(++counter);
      try {
        const out = await writer.op(
          'write',
          key,
          { value },
          (c) => c.setData(key, value),
          (s) => ({ version: s.version }),
        );
        if (out.status === 'ok') acks.push({ key, version: out.value.version, value, at: now() });
        else writesUnknown++;
      } catch {
        // No member answered the session attempt: nothing was invoked.
        writer.retire();
        await abortableSleep(100 + writerRng.int(200), signal);
      }
      await abortableSleep(15 + writerRng.int(40), signal);
    }
  });
  await writer.close();

  // Healed, writer stopped: the final versions, read after sync on a fresh session.
  const finalVersions: Record<string, number> = {};
  const reader = new ChaosClient('final', cluster.connectString, recorder);
  const zk = await reader.session();
  await within(zk.sync('/'), 10_000);
  for (const key of KEYS) finalVersions[key] = (await within(zk.getData(key), 10_000)).stat.version;
  await reader.close();

  const catchUpStart = now();
  while (now() - catchUpStart < CATCH_UP_MS) {
    if (watchers.every((w) => w.maxSeen >= finalVersions[w.log.key]!)) break;
    await sleep(100);
  }
  const catchUpMs = now() - catchUpStart;
  stopWatchers.abort();
  await Promise.all(watcherRuns);

  const checked = checkWatches({ acks, watchers: watchers.map((w) => w.log), finalVersions });
  const stats = {
    changesCommitted: acks.length,
    writesUnknown,
    notifications: checked.notifications,
    checkedNotifications: checked.checkedNotifications,
    rearmsAfterReconnect: checked.rearmsAfterReconnect,
    maxLagMs: checked.maxLagMs,
    watcherSessions: watchers.reduce((n, w) => n + w.sessions, 0),
    watcherExpiries: watchers.reduce((n, w) => n + w.expired, 0),
    reads: watchers.reduce((n, w) => n + w.log.records.filter((r) => r.type === 'read').length, 0),
    catchUpMs,
  };
  ctx.log(
    `watches: ${stats.changesCommitted} changes, ${stats.notifications} notifications, ${stats.rearmsAfterReconnect} re-arms after reconnect, max lag ${stats.maxLagMs} ms`,
  );
  return { anomalies: checked.anomalies, stats };
}

/** One watcher: sessions one after another until `stop`, each following its key. */
async function runWatcher(
  w: WatcherState,
  cluster: ChaosCluster,
  first: number,
  rng: SeededRng,
  stop: AbortSignal,
): Promise<void> {
  while (!stop.aborted) {
    let zk: ZooKeeperClient;
    try {
      zk = await connectPinned(cluster, first, rng, SESSION_TIMEOUT_MS);
    } catch {
      await abortableSleep(200 + rng.int(300), stop);
      continue;
    }
    w.sessions++;
    try {
      await followSession(w, zk, stop, rng);
    } catch {
      // Anything unexpected ends this session; the next one starts over with a sync.
    }
    if (zk.state === 'EXPIRED') w.expired++;
    await closeQuietly(zk);
  }
}

/**
 * Follows the key on one session until it ends or `stop` aborts. Reads are bounded and retried on
 * connection loss; a read after a reconnect is preceded by sync so it is never older than the
 * notification that triggered it (a notification carries no zxid, so the client's lastZxidSeen
 * does not protect the read on a new member).
 */
async function followSession(
  w: WatcherState,
  zk: ZooKeeperClient,
  stop: AbortSignal,
  rng: SeededRng,
): Promise<void> {
  const session = zk.sessionId.toString(16);
  const key = w.log.key;
  const record = (r: WatcherRecord) => w.log.records.push(r);
  record({ type: 'session', session, at: now() });
  let armed = false;
  let reconnected = true; // a new session syncs first: no read older than the previous session's
  let wasDisconnected = false;
  let wake: (() => void) | undefined;
  let pending = 0;
  const onState = (s: ClientState) => {
    if (s === 'DISCONNECTED') wasDisconnected = true;
    if (s === 'CONNECTED' && wasDisconnected) {
      wasDisconnected = false;
      reconnected = true;
      if (armed) record({ type: 'reconnect', session, at: now() });
      // ZooKeeper re-adds persistent watches on reconnect without firing for what changed while we
      // were cut off (Apache 3.8 does the same), so a persistent watcher re-reads, as Curator's
      // caches do. One-shot watches are re-armed by SetWatches with our last zxid, which fires them.
      if (w.log.mode === 'persistent') wake?.();
    }
    if (TERMINAL.has(s)) wake?.();
  };
  zk.on('state', onState);
  const onStop = () => wake?.();
  stop.addEventListener('abort', onStop);
  let token = 0;
  const listenerFor = (mine: number) => (e: WatchEvent) => {
    if (e.type === EventType.None) {
      wake?.();
      return;
    }
    if (e.path !== key || e.type >= EventType.DataWatchRemoved) return;
    if (w.log.mode === 'one-shot' && mine !== token) return; // a read we gave up on armed it
    record({ type: 'notify', session, at: now() });
    armed = false;
    pending++;
    wake?.();
  };
  try {
    if (w.log.mode === 'persistent') {
      await within(zk.addWatch(key, 'persistent', listenerFor(0)), OP_BOUND_MS, 'addWatch');
    }
    while (!stop.aborted && !TERMINAL.has(zk.state)) {
      if (reconnected) {
        try {
          await within(zk.sync('/'), OP_BOUND_MS, 'sync');
          reconnected = false;
        } catch {
          await abortableSleep(100, stop);
          continue;
        }
      }
      const mine = ++token;
      pending = 0;
      let read: { data: Buffer; stat: { version: number } };
      try {
        read = await within(
          zk.getData(key, w.log.mode === 'one-shot' ? listenerFor(mine) : undefined),
          OP_BOUND_MS,
          'getData',
        );
      } catch {
        await abortableSleep(50 + rng.int(100), stop);
        continue;
      }
      record({
        type: 'read',
        session,
        version: read.stat.version,
        value: read.data.toString('utf8'),
        at: now(),
      });
      w.maxSeen = Math.max(w.maxSeen, read.stat.version);
      armed = true;
      // Wait for a notification (the persistent watcher may already hold some), the session's end,
      // or the stop. The writer changes the key every few tens of ms, so this is short when healthy.
      const mustResync = () => reconnected && w.log.mode === 'persistent';
      while (pending === 0 && !mustResync() && !stop.aborted && !TERMINAL.has(zk.state)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    }
  } finally {
    zk.off('state', onState);
    stop.removeEventListener('abort', onStop);
  }
}

/** Monotonic ms: writer acks and watcher records share this clock (lag is their difference). */
function now(): number {
  return Math.round(performance.now());
}
