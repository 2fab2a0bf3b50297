/**
 * Checks shared by scenarios: run a recorded history through the linearizability checker, and
 * compare what every member holds once faults are healed.
 */
import { createHash } from 'node:crypto';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { checkLinearizable } from '../history/checker.js';
import type { Operation } from '../history/history.js';
import type { Model } from '../history/models/model.js';
import type { ChaosCluster } from './chaos-cluster.js';
import { closeQuietly } from './chaos-client.js';
import type { Anomaly, CheckerSummary } from './scenario.js';

/** How many ops of a failing partition the report keeps around the first op that could not be placed. */
const WITNESS_OPS = 12;

export function linearizability<S, I, O>(
  model: Model<S, I, O>,
  history: ReadonlyArray<Operation<I, O>>,
  timeoutMs = 20_000,
): { anomalies: Anomaly[]; checker: CheckerSummary } {
  const started = performance.now();
  const result = checkLinearizable(model, history, { timeoutMs });
  const checker: CheckerSummary = {
    model: model.name,
    verdict: result.result,
    partitions: result.partitions.length,
    searchedOps: result.partitions.reduce((n, p) => n + p.ops, 0),
    ms: Math.round(performance.now() - started),
  };
  if (result.result === 'ok') return { anomalies: [], checker };
  const w = result.witness;
  const describe = (op: Operation<I, O>) => (model.describe ? model.describe(op) : JSON.stringify(op));
  return {
    checker,
    anomalies: [
      {
        kind: result.result === 'illegal' ? 'not-linearizable' : 'checker-inconclusive',
        message:
          result.result === 'illegal'
            ? `history of ${w?.key} is not linearizable under the ${model.name} model`
            : `the checker ran out of time on ${w?.key}: no verdict (counts as a failure)`,
        evidence: w && {
          key: w.key,
          linearizedPrefixTail: w.longestPrefix.slice(-WITNESS_OPS).map(describe),
          notPlaceable: w.remaining.slice(0, WITNESS_OPS).map(describe),
        },
      },
    ],
  };
}

/** One member's view of a set of paths, for comparison across members. */
export type MemberView = Map<string, string>;

/**
 * Reads `paths` from every serving member directly (sync first, so a member answers with everything the
 * leader committed) and reports paths on which members disagree. `read` renders one path's state.
 */
export async function convergence(
  cluster: ChaosCluster,
  paths: readonly string[],
  read: (zk: ZooKeeperClient, path: string) => Promise<string>,
): Promise<Anomaly[]> {
  const views = new Map<number, MemberView>();
  const ids = cluster.servingIds;
  for (const id of ids) {
    const zk = await ZooKeeperClient.connect(cluster.memberConnectString(id), {
      sessionTimeout: 10_000,
      initialConnectTimeout: 10_000,
    });
    try {
      await zk.sync('/');
      const view: MemberView = new Map();
      for (const p of paths) view.set(p, await read(zk, p));
      views.set(id, view);
    } finally {
      await closeQuietly(zk);
    }
  }
  const anomalies: Anomaly[] = [];
  for (const p of paths) {
    const byMember = ids.map((id) => `${id}=${views.get(id)?.get(p)}`);
    const distinct = new Set(ids.map((id) => views.get(id)?.get(p)));
    if (distinct.size > 1) {
      anomalies.push({
        kind: 'divergence',
        message: `members disagree on ${p} after healing`,
        evidence: byMember,
      });
    }
  }
  return anomalies;
}

/** `value@version mzxid` of a znode, or 'absent'. */
export async function renderData(zk: ZooKeeperClient, path: string): Promise<string> {
  const stat = await zk.exists(path);
  if (stat === null) return 'absent';
  const { data, stat: s } = await zk.getData(path);
  return `${data.toString('utf8')}@${s.version} mzxid=0x${s.mzxid.toString(16)}`;
}

/** `<n> children <digest>` of a znode: compact enough to compare and print for big lists. */
export async function renderChildren(zk: ZooKeeperClient, path: string): Promise<string> {
  const children = (await zk.getChildren(path)).sort();
  return `${children.length} children ${createHash('sha1').update(children.join('/')).digest('hex').slice(0, 12)}`;
}
