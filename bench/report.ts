/** Summary tables for a benchmark run: us vs Apache ZooKeeper, side by side. */
import Table from 'cli-table3';
import type { ProcessSample } from './process-stats.js';
import type { WorkloadResult } from './workloads.js';
import { STAGES, type StageRow } from './stage-profile.js';

export interface ServerRun {
  /** floor: bench/write-floor-server.ts, what any Node server pays (see there) */
  server: 'registrar' | 'apache' | 'floor';
  results: WorkloadResult[];
  resources: ProcessSample;
  memory?: { nodes: number; rssBytes: number; peakRssBytes: number; seconds: number };
}

const ms = (us: number) => (us / 1000).toFixed(2);
const rate = (r: WorkloadResult) => r.ops / r.seconds;
const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
const mb = (b: number) => (b / 1048576).toFixed(0);

export function summaryRows(ours: ServerRun, zk: ServerRun) {
  return ours.results.map((r, i) => {
    const z = zk.results[i]!;
    return {
      workload: r.name,
      oursOps: rate(r),
      zkOps: rate(z),
      oursP50: r.histogram.getValueAtPercentile(50),
      oursP99: r.histogram.getValueAtPercentile(99),
      zkP50: z.histogram.getValueAtPercentile(50),
      zkP99: z.histogram.getValueAtPercentile(99),
      errors: r.errors + z.errors,
    };
  });
}

/** The workload table alone: ops/s, p50/p99 and the ratios us/ZooKeeper. */
export function renderWorkloadTable(ours: ServerRun, zk: ServerRun): string {
  const t = new Table({
    head: [
      'workload',
      'registrar ops/s',
      'zookeeper ops/s',
      'ops ratio us/zk',
      'registrar p50/p99 ms',
      'zookeeper p50/p99 ms',
      'p99 ratio us/zk',
      'errors',
    ],
  });
  for (const row of summaryRows(ours, zk)) {
    t.push([
      row.workload,
      row.oursOps.toFixed(0),
      row.zkOps.toFixed(0),
      ratio(row.oursOps, row.zkOps),
      `${ms(row.oursP50)} / ${ms(row.oursP99)}`,
      `${ms(row.zkP50)} / ${ms(row.zkP99)}`,
      ratio(row.oursP99, row.zkP99),
      String(row.errors),
    ]);
  }
  return t.toString();
}

/** One server's workloads alone (a run with --servers naming one server). */
export function renderSingleTable(run: ServerRun): string {
  const t = new Table({ head: ['workload', `${run.server} ops/s`, 'p50 / p99 ms', 'errors'] });
  for (const r of run.results) {
    const h = r.histogram;
    t.push([
      r.name,
      rate(r).toFixed(0),
      `${ms(h.getValueAtPercentile(50))} / ${ms(h.getValueAtPercentile(99))}`,
      String(r.errors),
    ]);
  }
  return t.toString();
}

/** Server CPU over the whole run, per 1k operations, and peak RSS. */
export function renderResourceTable(runs: ServerRun[]): string {
  const r = new Table({ head: ['server', 'CPU s (whole run)', 'CPU ms per 1k ops', 'peak RSS MB'] });
  for (const run of runs) {
    const ops = run.results.reduce((a, x) => a + x.ops, 0);
    r.push([
      run.server,
      (run.resources.cpuMs / 1000).toFixed(1),
      ops ? ((run.resources.cpuMs / ops) * 1000).toFixed(1) : 'n/a',
      mb(run.resources.peakRssBytes),
    ]);
  }
  return r.toString();
}

/** Server and client CPU µs per operation of each workload's measured window (when metered). */
export function cpuPerOp(run: ServerRun): { workload: string; serverUs: number; clientUs: number }[] {
  return run.results
    .filter((r) => r.cpu && r.ops > 0)
    .map((r) => ({
      workload: r.name,
      serverUs: (r.cpu!.serverMs * 1000) / r.ops,
      clientUs: (r.cpu!.clientMs * 1000) / r.ops,
    }));
}

export function renderCpuPerOpTable(runs: ServerRun[]): string {
  const t = new Table({
    head: ['workload', ...runs.flatMap((r) => [`${r.server} server`, `client (vs ${r.server})`])],
  });
  const per = runs.map(cpuPerOp);
  for (const [i, row] of (per[0] ?? []).entries()) {
    t.push([
      row.workload,
      ...per.flatMap((p) => [p[i]?.serverUs.toFixed(1) ?? 'n/a', p[i]?.clientUs.toFixed(1) ?? 'n/a']),
    ]);
  }
  return t.toString();
}

/** Txns per log flush for the workloads that wrote; undefined when no server reported any. */
export function renderFlushTable(runs: ServerRun[]): string | undefined {
  const t = new Table({ head: ['workload', ...runs.map((r) => r.server)] });
  for (const [i, row] of (runs[0]?.results ?? []).entries()) {
    const cells = runs.map((r) => r.results[i]?.txnsPerFlush);
    if (cells.every((c) => c === undefined)) continue;
    t.push([row.name, ...cells.map((c) => (c === undefined ? 'n/a' : c.toFixed(1)))]);
  }
  return t.length > 0 ? t.toString() : undefined;
}

/** Resident memory after loading the --memory-nodes tree (MB = MiB here, as /proc reports kB). */
export function renderMemoryTable(runs: ServerRun[]): string {
  const m = new Table({ head: ['server', 'znodes (100 B)', 'load s', 'RSS MiB after load', 'peak RSS MiB'] });
  for (const run of runs) {
    if (!run.memory) continue;
    m.push([
      run.server,
      String(run.memory.nodes),
      run.memory.seconds.toFixed(1),
      mb(run.memory.rssBytes),
      mb(run.memory.peakRssBytes),
    ]);
  }
  return m.toString();
}

/** CPU µs per write by stage (bench/stage-profile.ts), one row per write workload. */
export function renderStageTable(rows: StageRow[]): string {
  const t = new Table({ head: ['workload', 'writes', ...STAGES, 'total'] });
  for (const row of rows) {
    t.push([
      row.name,
      String(row.ops),
      ...STAGES.map((s) => row.usPerOp[s].toFixed(1)),
      row.totalUsPerOp.toFixed(1),
    ]);
  }
  return t.toString();
}

export function renderTables(ours: ServerRun, zk: ServerRun): string {
  let out = renderWorkloadTable(ours, zk) + '\n' + renderResourceTable([ours, zk]);
  if (ours.memory && zk.memory) out += '\n' + renderMemoryTable([ours, zk]);
  return out;
}
