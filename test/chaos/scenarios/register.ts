/**
 * Register CAS under leader kills: workers pinned to every member run compare-and-set (setData with
 * the version they last read), blind writes and local reads on one znode at a time, while the nemesis
 * kills, pauses and isolates the leader. Checked: the history of writes (plus a final read of every
 * key once healed) is linearizable as a CAS register; every (version, data) pair ever read from any
 * member or acknowledged is a single committed pair (version-map.ts); uniquely named znodes created
 * along the way are all there once healed if acknowledged, and nothing else is (set-check.ts); every
 * member ends with the same data and children.
 *
 * Checked for linearizability: quorum operations, and reads done as sync-then-getData on one session
 * (the server makes sync a leader quorum round, so sync+read is a linearizable read here, which Jepsen
 * found it is not in Apache ZooKeeper). Besides the mixed workers, one reader per member does nothing
 * but sync+read: a mixed worker on an isolated or paused leader soon blocks on a write that cannot
 * commit, so only a reader that never writes keeps asking that leader for syncs in the second or so
 * before it notices it was deposed, which is when a leader answering sync without a quorum round
 * (planted `sync-without-quorum`) hands out state older than writes the new leader acknowledged. Plain local reads are served by the member a client is
 * connected to and are sequentially consistent, not linearizable (a deposed leader can serve a stale
 * read until it notices), so they only feed the version map. Every key exists before any op on it and
 * is never deleted, so NONODE on one is a lost znode (the model rejects it), and a final read that
 * gets no answer fails the run as a harness error.
 */
import { registerCasModel, type RegisterOp } from '../history/models/register-cas.js';
import { versionConflicts, type VersionObservation } from '../history/version-map.js';
import { within } from '../harness/bounded.js';
import { ChaosClient } from '../harness/chaos-client.js';
import { convergence, linearizability, renderChildren, renderData } from '../harness/checks.js';
import { checkSet } from '../history/set-check.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { closeWorkers, pinnedWorkers, runWorkers } from './pinned-workers.js';
import { ensurePath, KeyRotation } from './workload-keys.js';

const ROOT = '/chaos/register';
/** Unique znodes created once each (Jepsen's set workload): a stale or lost create never heals. */
const APPENDS = '/chaos/appends';
const INITIAL = 'init';
/** Ops per key before the workers move to a fresh one: keeps each checker partition small. */
const OPS_PER_KEY = 120;
const WORKERS_PER_MEMBER = 2;
/** Readers doing only sync+read, per member (not counted in OPS_PER_KEY: they never write). */
const SYNC_READERS_PER_MEMBER = 1;

export const registerScenario: Scenario = {
  name: 'register',
  summary:
    'CAS register (setData with version) under leader kills, pauses and isolation; linearizability + convergence',
  faults: [
    'kill-leader',
    'kill',
    'pause-leader',
    'isolate-leader',
    'isolate-kill-leader',
    'blackhole-leader',
    'client-cut',
    'client-blackhole',
    'kill-during-partition',
    'two-faults',
    'lose-quorum',
    'leader-clock-pauses',
  ],
  run: runRegister,
};

async function runRegister(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;
  const keys = new KeyRotation(ROOT, OPS_PER_KEY);
  const admin = new ChaosClient('setup', cluster.connectString, recorder);
  await ensurePath(await admin.session(), ROOT);
  await ensurePath(await admin.session(), APPENDS);
  const appends = new Map<string, 'ok' | 'fail' | 'unknown'>();
  const stats = { casOk: 0, casFailed: 0, writesOk: 0, syncReads: 0, unknown: 0, sessions: 0 };
  // Version 0 of every key is the initial data.
  const initialSighting = (key: string) => ({
    path: key,
    version: 0,
    value: INITIAL,
    source: 'initial create',
  });

  const workers = pinnedWorkers(cluster, recorder, WORKERS_PER_MEMBER);
  const syncReaders = pinnedWorkers(cluster, recorder, SYNC_READERS_PER_MEMBER, 's');
  // Every (path, version) -> data sighting, reads from any member included (see version-map.ts).
  const sightings: VersionObservation[] = [];
  const sawRead = (key: string, data: Buffer, version: number, who: string) =>
    sightings.push({ path: key, version, value: data.toString('utf8'), source: who });
  // sync then getData on the same session: ZooKeeper documents this as the way to read the latest
  // committed value, so it is checked as a linearizable read (the server's sync is a leader quorum
  // round). NONODE is informative too: the key exists before any op on it.
  const syncRead = async (worker: ChaosClient, member: number, key: string) => {
    const out = await worker.op(
      'read',
      key,
      {},
      async (c) => {
        await c.sync(key);
        return c.getData(key);
      },
      (r) => ({ value: r.data.toString('utf8'), version: r.stat.version }),
    );
    if (out.status !== 'ok') return;
    stats.syncReads++;
    sawRead(
      key,
      out.value.data,
      out.value.stat.version,
      `sync+read on member ${member} by ${worker.process}`,
    );
  };

  const readOnly = (signal: AbortSignal) =>
    runWorkers(
      syncReaders,
      signal,
      () => ctx.rng.fork(),
      async ({ client: reader, member }) => {
        const key = keys.current();
        await keys.ensure(await reader.session(), key, INITIAL);
        await syncRead(reader, member, key);
      },
      8,
    );
  const mixed = (signal: AbortSignal) =>
    runWorkers(
      workers,
      signal,
      () => ctx.rng.fork(),
      async ({ client: worker, member }, rng) => {
        const zk = await worker.session();
        const key = keys.current();
        await keys.ensure(zk, key, INITIAL);
        const value = `${worker.process}-${recorder.size}`;
        const roll = rng.next();
        if (roll < 0.15) {
          const name = value;
          const out = await worker.op(
            'append',
            APPENDS,
            { name },
            (c) => c.create(`${APPENDS}/${name}`, ''),
            () => undefined,
          );
          appends.set(name, out.status);
        } else if (roll < 0.27) {
          await syncRead(worker, member, key);
        } else if (roll < 0.37) {
          // A plain local read: not linearizable, but its (version, data) must be a committed pair.
          const { data, stat } = await zk.getData(key);
          sawRead(key, data, stat.version, `read on member ${member} by ${worker.process}`);
        } else if (roll < 0.55) {
          // The version comes from a local (possibly stale) read: stale ones make real BADVERSIONs.
          const { data, stat } = await zk.getData(key);
          sawRead(key, data, stat.version, `read on member ${member} by ${worker.process}`);
          const expectedVersion = stat.version;
          const out = await worker.op(
            'cas',
            key,
            { value, expectedVersion },
            (c) => c.setData(key, value, expectedVersion),
            (st) => ({ version: st.version }),
          );
          if (out.status === 'ok') {
            stats.casOk++;
            sightings.push({
              path: key,
              version: out.value.version,
              value,
              source: `ack of cas by ${worker.process}`,
            });
          } else if (out.status === 'fail') stats.casFailed++;
          else stats.unknown++;
        } else {
          const out = await worker.op(
            'write',
            key,
            { value },
            (c) => c.setData(key, value, -1),
            (st) => ({ version: st.version }),
          );
          if (out.status === 'ok') {
            stats.writesOk++;
            sightings.push({
              path: key,
              version: out.value.version,
              value,
              source: `ack of write by ${worker.process}`,
            });
          } else stats.unknown++;
        }
        keys.count();
      },
      8,
    );

  await ctx.underFaults((signal) => Promise.all([mixed(signal), readOnly(signal)]).then(() => undefined));
  stats.sessions = (await closeWorkers(workers)) + (await closeWorkers(syncReaders));

  // Healed and quorate: a final read of every key through the leader-synced path is linearizable and
  // catches acknowledged writes that the ensemble lost.
  const used = keys.used();
  for (const key of used) sightings.push(initialSighting(key));
  const reader = new ChaosClient('final', cluster.connectString, recorder);
  const zk = await reader.session();
  await zk.sync('/');
  for (const key of used) {
    // No answer is a harness error (the check would pass on a lost key); NONODE goes to the model.
    const out = await reader.finalOp(
      'read',
      key,
      {},
      (c) => c.getData(key),
      (r) => ({ value: r.data.toString('utf8'), version: r.stat.version }),
    );
    if (out.status === 'ok') sawRead(key, out.value.data, out.value.stat.version, 'final read');
  }
  const finalAppends = await within(zk.getChildren(APPENDS), 10_000, 'final getChildren');
  await reader.close();
  await admin.close();
  const set = checkSet(appends, finalAppends, 'final read of ' + APPENDS);

  const history = recorder.toJSON().filter((op) => op.key.startsWith(ROOT + '/')) as RegisterOp[];
  const lin = linearizability(registerCasModel({ value: INITIAL, version: 0 }), history);
  const diverged = [
    ...(await convergence(cluster, used, renderData)),
    ...(await convergence(cluster, [APPENDS], renderChildren)),
  ];
  return {
    anomalies: [...lin.anomalies, ...versionConflicts(sightings), ...set.anomalies, ...diverged],
    checker: lin.checker,
    stats: {
      ...stats,
      keys: used.length,
      versionSightings: sightings.length,
      appendsAcked: set.acknowledged,
    },
  };
}
