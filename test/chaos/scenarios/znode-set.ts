/**
 * Znode set under partitions: workers pinned to every member create and delete znodes (one path at a
 * time, rotating) while the nemesis splits the ensemble into majority and minority, isolates the
 * leader, bridges two halves through one member, cuts one direction of a leader link, and slows every
 * link. Checked: the history of creates and deletes (NODEEXISTS / NONODE are answers decided through
 * the quorum, so they are informative) plus a final exists of every path once healed is linearizable
 * as a set, and every member ends with the same znodes.
 *
 * Plain exists calls during the faults are not recorded: a member on the minority side answers reads
 * from its own (possibly stale) tree, which ZooKeeper allows.
 */
import { znodeSetModel, type ZnodeOp } from '../history/models/znode-set.js';
import { ChaosClient } from '../harness/chaos-client.js';
import { convergence, linearizability, renderData } from '../harness/checks.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { closeWorkers, pinnedWorkers, runWorkers } from './pinned-workers.js';
import { ensurePath, KeyRotation } from './workload-keys.js';

const ROOT = '/chaos/set';
const OPS_PER_KEY = 80;
const WORKERS_PER_MEMBER = 2;

export const znodeSetScenario: Scenario = {
  name: 'znode-set',
  summary:
    'create/delete one znode at a time under partitions (halves, isolated leader, bridge, one-way, slow links)',
  faults: [
    'partition-halves',
    'isolate-leader',
    'bridge',
    'one-way-leader',
    'slow-links',
    'blackhole-halves',
    'blackhole-leader',
    'kill-during-partition',
    'two-faults',
  ],
  pacing: { faultMs: [1500, 4000], quietMs: [800, 1800] },
  run: runZnodeSet,
};

async function runZnodeSet(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;
  const keys = new KeyRotation(ROOT, OPS_PER_KEY);
  const admin = new ChaosClient('setup', cluster.connectString, recorder);
  await ensurePath(await admin.session(), ROOT);
  const stats = { createdOk: 0, createExists: 0, deletedOk: 0, deleteNoNode: 0, unknown: 0, sessions: 0 };

  const workers = pinnedWorkers(cluster, recorder, WORKERS_PER_MEMBER);

  await ctx.underFaults((signal) =>
    runWorkers(
      workers,
      signal,
      () => ctx.rng.fork(),
      async ({ client: worker }, rng) => {
        await worker.session();
        const key = keys.current();
        if (rng.chance(0.5)) {
          const out = await worker.op(
            'create',
            key,
            null,
            (c) => c.create(key, ''),
            () => undefined,
          );
          if (out.status === 'ok') stats.createdOk++;
          else if (out.status === 'fail') stats.createExists++;
          else stats.unknown++;
        } else {
          const out = await worker.op(
            'delete',
            key,
            null,
            (c) => c.delete(key, -1),
            () => undefined,
          );
          if (out.status === 'ok') stats.deletedOk++;
          else if (out.status === 'fail') stats.deleteNoNode++;
          else stats.unknown++;
        }
        keys.count();
      },
      10,
    ),
  );
  stats.sessions = await closeWorkers(workers);

  const used = keys.used();
  const reader = new ChaosClient('final', cluster.connectString, recorder);
  const zk = await reader.session();
  await zk.sync('/');
  for (const key of used) {
    await reader.finalOp(
      'exists',
      key,
      null,
      (c) => c.exists(key),
      (stat) => stat !== null,
    );
  }
  await reader.close();
  await admin.close();

  const history = recorder.toJSON().filter((op) => op.key.startsWith(ROOT + '/')) as ZnodeOp[];
  const lin = linearizability(znodeSetModel(false), history);
  const diverged = await convergence(cluster, used, renderData);
  return {
    anomalies: [...lin.anomalies, ...diverged],
    checker: lin.checker,
    stats: { ...stats, keys: used.length },
  };
}
