/**
 * Register CAS under leader kills: workers pinned to every member run compare-and-set (setData with
 * the version they last read) and blind writes on one znode at a time, while the nemesis kills,
 * pauses and isolates the leader. Checked: the history of writes (plus a final read of every key
 * once healed) is linearizable as a CAS register, and every member ends with the same data.
 *
 * Only quorum operations are checked for linearizability: ZooKeeper reads are served by the member a
 * client is connected to and are sequentially consistent, not linearizable (a deposed leader can
 * serve a stale read until it notices), so recording them would flag behaviour ZooKeeper documents.
 */
import { registerCasModel, type RegisterOp } from '../history/models/register-cas.js';
import { ChaosClient } from '../harness/chaos-client.js';
import { convergence, linearizability, renderData } from '../harness/checks.js';
import { abortableSleep } from '../harness/nemesis.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { ensurePath, KeyRotation } from './workload-keys.js';

const ROOT = '/chaos/register';
const INITIAL = 'init';
/** Ops per key before the workers move to a fresh one: keeps each checker partition small. */
const OPS_PER_KEY = 120;
const WORKERS_PER_MEMBER = 2;

export const registerScenario: Scenario = {
  name: 'register',
  summary:
    'CAS register (setData with version) under leader kills, pauses and isolation; linearizability + convergence',
  faults: ['kill-leader', 'kill', 'pause-leader', 'isolate-leader', 'isolate-kill-leader'],
  run: runRegister,
};

async function runRegister(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;
  const keys = new KeyRotation(ROOT, OPS_PER_KEY);
  const admin = new ChaosClient('setup', cluster.connectString, recorder);
  await ensurePath(await admin.session(), ROOT);
  const stats = { casOk: 0, casFailed: 0, writesOk: 0, unknown: 0, sessions: 0 };

  const workers: ChaosClient[] = [];
  for (const id of cluster.ids) {
    for (let w = 0; w < WORKERS_PER_MEMBER; w++) {
      workers.push(new ChaosClient(`m${id}w${w}`, cluster.memberConnectString(id), recorder));
    }
  }

  await ctx.underFaults(async (signal) => {
    await Promise.all(
      workers.map(async (worker) => {
        const rng = ctx.rng.fork();
        while (!signal.aborted) {
          try {
            const zk = await worker.session();
            const key = keys.current();
            await keys.ensure(zk, key, INITIAL);
            const value = `${worker.process}-${recorder.size}`;
            if (rng.chance(0.75)) {
              // The version comes from a local (possibly stale) read: stale ones make real BADVERSIONs.
              const { stat } = await zk.getData(key);
              const expectedVersion = stat.version;
              const out = await worker.op(
                'cas',
                key,
                { value, expectedVersion },
                (c) => c.setData(key, value, expectedVersion),
                (s) => ({ version: s.version }),
              );
              if (out.status === 'ok') stats.casOk++;
              else if (out.status === 'fail') stats.casFailed++;
              else stats.unknown++;
            } else {
              const out = await worker.op(
                'write',
                key,
                { value },
                (c) => c.setData(key, value, -1),
                (s) => ({ version: s.version }),
              );
              if (out.status === 'ok') stats.writesOk++;
              else stats.unknown++;
            }
            keys.count();
          } catch {
            // No member reachable, or the unrecorded read failed: new session, back off a little.
            worker.retire();
            await abortableSleep(50 + rng.int(200), signal);
            continue;
          }
          await abortableSleep(rng.int(8), signal);
        }
      }),
    );
  });
  for (const w of workers) {
    stats.sessions += w.sessions;
    await w.close();
  }

  // Healed and quorate: a final read of every key through the leader-synced path is linearizable and
  // catches acknowledged writes that the ensemble lost.
  const used = keys.used();
  const reader = new ChaosClient('final', cluster.connectString, recorder);
  const zk = await reader.session();
  await zk.sync('/');
  for (const key of used) {
    await reader.op(
      'read',
      key,
      {},
      (c) => c.getData(key),
      (r) => ({ value: r.data.toString('utf8'), version: r.stat.version }),
    );
  }
  await reader.close();
  await admin.close();

  const history = recorder.toJSON().filter((op) => op.key.startsWith(ROOT + '/')) as RegisterOp[];
  const lin = linearizability(registerCasModel({ value: INITIAL, version: 0 }), history);
  const diverged = await convergence(cluster, used, renderData);
  return {
    anomalies: [...lin.anomalies, ...diverged],
    checker: lin.checker,
    stats: { ...stats, keys: used.length },
  };
}
