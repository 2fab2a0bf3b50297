/**
 * Lock recipe benchmark: `sessions` sessions (one process, each its own ZooKeeper session) loop
 * acquire -> release on one Lock. Reports acquisitions/s and the hand-off latency: from the moment
 * a holder starts its release to the moment the next holder's acquire resolves (delete, watch event,
 * getChildren, all on the wire), in microseconds in an HDR histogram.
 */
import { performance } from 'node:perf_hooks';
import hdr from 'hdr-histogram-js';
import Table from 'cli-table3';
import { ZooKeeperClient } from '../libs/coordination/src/client/zookeeper-client.js';
import { Lock } from '../libs/coordination/src/recipes/lock.js';
import type { Histogram } from './workloads.js';

export interface LockBenchResult {
  server: 'registrar' | 'apache';
  acquisitions: number;
  seconds: number;
  /** Hand-off latency, µs. */
  handoff: Histogram;
}

/**
 * Runs the lock loop for `warmup` unmeasured then `seconds` measured seconds. `connect` is a connect
 * string, or a function giving session i its client (the ensemble bench spreads sessions over members).
 */
export async function runLockBench(
  server: LockBenchResult['server'],
  connect: string | ((session: number) => Promise<ZooKeeperClient>),
  sessions: number,
  seconds: number,
  warmup: number,
): Promise<LockBenchResult> {
  const clients = await Promise.all(
    Array.from({ length: sessions }, (_, i) =>
      typeof connect === 'string' ? ZooKeeperClient.connect(connect, { sessionTimeout: 30_000 }) : connect(i),
    ),
  );
  const handoff = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let measuring = false;
  let stop = false;
  let acquisitions = 0;
  let releaseStartedAt: number | undefined;
  const lockPath = `/bench-recipes/lock-${Date.now()}`;
  const loops = clients.map(async (client) => {
    const lock = new Lock(client, lockPath);
    let waited = false;
    lock.on('waiting', () => (waited = true));
    while (!stop) {
      waited = false;
      await lock.acquire();
      const now = performance.now();
      if (measuring) {
        acquisitions++;
        // Only a waiter woken by a release is a hand-off (not an uncontended acquire).
        if (waited && releaseStartedAt !== undefined)
          handoff.recordValue(Math.max(1, Math.round((now - releaseStartedAt) * 1000)));
      }
      releaseStartedAt = performance.now();
      await lock.release();
    }
  });
  await new Promise((r) => setTimeout(r, warmup * 1000));
  measuring = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(loops);
  await Promise.all(clients.map((c) => c.close()));
  return { server, acquisitions, seconds: elapsed, handoff };
}

const ms = (us: number) => (us / 1000).toFixed(2);

/** Side-by-side table of lock benchmark results. */
export function renderLockTable(results: LockBenchResult[]): string {
  const t = new Table({
    head: ['server', 'acquisitions', 'acquisitions/s', 'hand-off p50 ms', 'hand-off p99 ms', 'hand-offs'],
  });
  for (const r of results) {
    t.push([
      r.server,
      r.acquisitions,
      (r.acquisitions / r.seconds).toFixed(0),
      ms(r.handoff.getValueAtPercentile(50)),
      ms(r.handoff.getValueAtPercentile(99)),
      r.handoff.totalCount,
    ]);
  }
  return t.toString();
}

/** Plain numbers for the results file. */
export function lockSummary(r: LockBenchResult) {
  return {
    server: r.server,
    acquisitions: r.acquisitions,
    seconds: r.seconds,
    acquisitionsPerSecond: r.acquisitions / r.seconds,
    handoffP50us: r.handoff.getValueAtPercentile(50),
    handoffP99us: r.handoff.getValueAtPercentile(99),
    handoffs: r.handoff.totalCount,
  };
}
