/**
 * The client side shared by the key-value workloads: `perMember` recording clients pinned to each
 * member (so each member's faults reach its own clients), each looping one step at a time until the
 * faulted phase ends.
 */
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import type { HistoryRecorder } from '../history/recorder.js';
import { ChaosClient } from '../harness/chaos-client.js';
import type { ChaosCluster } from '../harness/chaos-cluster.js';
import { abortableSleep } from '../harness/nemesis.js';

export interface PinnedWorker {
  client: ChaosClient;
  /** The member its connect string names. */
  member: number;
}

/** Workers named m<member><tag><n> (tag `w` unless given), `perMember` of them for every member. */
export function pinnedWorkers(
  cluster: ChaosCluster,
  recorder: HistoryRecorder,
  perMember: number,
  tag = 'w',
): PinnedWorker[] {
  const workers: PinnedWorker[] = [];
  for (const id of cluster.ids) {
    for (let w = 0; w < perMember; w++) {
      workers.push({
        client: new ChaosClient(`m${id}${tag}${w}`, cluster.memberConnectString(id), recorder),
        member: id,
      });
    }
  }
  return workers;
}

/**
 * Runs `step` for every worker until `signal` aborts, with up to `thinkMs` between steps. A step that
 * throws (no member reachable, an unrecorded read failed) retires the worker's session and backs off;
 * recorded operations never throw (ChaosClient records their outcome).
 */
export async function runWorkers(
  workers: readonly PinnedWorker[],
  signal: AbortSignal,
  rngs: () => SeededRng,
  step: (worker: PinnedWorker, rng: SeededRng) => Promise<void>,
  thinkMs: number,
): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      const rng = rngs();
      while (!signal.aborted) {
        try {
          await step(worker, rng);
        } catch {
          worker.client.retire();
          await abortableSleep(50 + rng.int(200), signal);
          continue;
        }
        await abortableSleep(rng.int(thinkMs), signal);
      }
    }),
  );
}

/** Closes every worker's session; returns how many sessions they opened in all. */
export async function closeWorkers(workers: readonly PinnedWorker[]): Promise<number> {
  let sessions = 0;
  for (const { client } of workers) {
    sessions += client.sessions;
    await client.close();
  }
  return sessions;
}
