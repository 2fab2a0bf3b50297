/**
 * Closed-loop workloads: N sessions, each running `inflight` loops that issue one operation and
 * wait for its reply before the next. Latencies go into an HDR histogram in microseconds.
 */
import hdr from 'hdr-histogram-js';
import type { BenchClient } from './bench-client.js';

export type Histogram = ReturnType<typeof hdr.build>;

export interface WorkloadResult {
  name: string;
  ops: number;
  seconds: number;
  histogram: Histogram;
  errors: number;
  /** process.hrtime at the start of the measured run, in microseconds (CLOCK_MONOTONIC). */
  startedUs?: number;
  /** CPU used during the measured run, when runWorkload was given a meter (ms). */
  cpu?: CpuReading;
  /** Txns per txn-log flush over the workload, warm-up included (bench/log-flushes.ts). */
  txnsPerFlush?: number;
}

/** CPU time, in ms, of the server under test and of this (client) process. */
export interface CpuReading {
  serverMs: number;
  clientMs: number;
}

/** Reads cumulative CPU times; runWorkload subtracts a reading at the start from one at the end. */
export type CpuMeter = () => CpuReading;

export interface Workload {
  name: string;
  /** Once per session before timing starts. */
  setup?(client: BenchClient, session: number): Promise<void>;
  /** One operation (or one cycle for composite workloads). */
  /** `run` differs between the warm-up and the measured run, so names never collide. */
  op(client: BenchClient, session: number, loop: number, i: number, run: string): Promise<void>;
}

export const VALUE = Buffer.alloc(100, 0x61); // 100-byte values, as the issue asks

export const ROOT = '/bench';

export const WORKLOADS: Record<string, Workload> = {
  create: {
    name: 'create',
    setup: async (c, s) => {
      await c.create(`${ROOT}/create/s${s}`).catch(ignoreExists);
    },
    op: async (c, s, loop, i, run) => {
      await c.create(`${ROOT}/create/s${s}/${run}-${loop}-${i}`, VALUE);
    },
  },
  setData: {
    name: 'setData',
    setup: async (c, s) => {
      await c.create(`${ROOT}/data/s${s}`, VALUE).catch(ignoreExists);
    },
    op: async (c, s) => {
      await c.setData(`${ROOT}/data/s${s}`, VALUE);
    },
  },
  getData: {
    name: 'getData',
    setup: async (c, s) => {
      await c.create(`${ROOT}/data/s${s}`, VALUE).catch(ignoreExists);
    },
    op: async (c, s) => {
      await c.getData(`${ROOT}/data/s${s}`);
    },
  },
  mix: {
    // 90/10 read/write on the session's own znode: every tenth operation of a loop is a setData.
    name: 'getData/setData 90/10',
    setup: async (c, s) => {
      await c.create(`${ROOT}/data/s${s}`, VALUE).catch(ignoreExists);
    },
    op: async (c, s, loop, i) => {
      if ((i + loop) % 10 === 0) await c.setData(`${ROOT}/data/s${s}`, VALUE);
      else await c.getData(`${ROOT}/data/s${s}`);
    },
  },
  exists: {
    name: 'exists',
    op: async (c, s) => {
      await c.exists(`${ROOT}/data/s${s}`);
    },
  },
  lock: {
    // One lock-style cycle: enqueue (ephemeral sequential), look at the queue, leave.
    name: 'lock cycle',
    op: async (c) => {
      const { path } = await c.create(`${ROOT}/lock/l-`, undefined, { mode: 'ephemeral_sequential' });
      await c.getChildren(`${ROOT}/lock`);
      await c.delete(path);
    },
  },
};

function ignoreExists(e: unknown): void {
  if ((e as { code?: number }).code !== -110) throw e;
}

export async function prepareRoots(client: BenchClient): Promise<void> {
  for (const p of [ROOT, `${ROOT}/create`, `${ROOT}/data`, `${ROOT}/lock`]) {
    await client.create(p).catch(ignoreExists);
  }
}

/**
 * Run `w` on every client for `seconds`, `inflight` loops per client, after an unmeasured warm-up
 * of the same workload (JIT compilers on both sides settle first).
 */
export async function runWorkload(
  w: Workload,
  clients: BenchClient[],
  seconds: number,
  inflight: number,
  warmupSeconds = 0,
  run = 'm',
  meter?: CpuMeter,
): Promise<WorkloadResult> {
  if (w.setup) await Promise.all(clients.map((c, s) => w.setup!(c, s)));
  if (warmupSeconds > 0)
    await runWorkload({ name: w.name, op: w.op }, clients, warmupSeconds, inflight, 0, 'w');
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let ops = 0;
  let errors = 0;
  const cpuAtStart = meter?.();
  const started = process.hrtime.bigint();
  const endAt = started + BigInt(Math.round(seconds * 1e9));
  await Promise.all(
    clients.flatMap((c, s) =>
      Array.from({ length: inflight }, async (_, loop) => {
        for (let i = 0; process.hrtime.bigint() < endAt; i++) {
          const t0 = process.hrtime.bigint();
          try {
            await w.op(c, s, loop, i, run);
            histogram.recordValue(Number((process.hrtime.bigint() - t0) / 1000n));
            ops++;
          } catch {
            errors++;
          }
        }
      }),
    ),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAtEnd = meter?.();
  const cpu =
    cpuAtStart && cpuAtEnd
      ? {
          serverMs: cpuAtEnd.serverMs - cpuAtStart.serverMs,
          clientMs: cpuAtEnd.clientMs - cpuAtStart.clientMs,
        }
      : undefined;
  return { name: w.name, ops, seconds: elapsed, histogram, errors, startedUs: Number(started / 1000n), cpu };
}
