/**
 * Tables of `npm run bench -- platform`: throughput and latency per coordinator with the ratio
 * ours/Apache, each process's CPU time and peak RSS, and where the time goes per stage (from the
 * instances' own histograms, summed over the instances).
 */
import Table from 'cli-table3';
import type { Coordinator } from './platform-stack.js';
import type { StageScrape } from './platform-metrics.js';

export interface ProcessUse {
  label: string;
  cpuMs: number;
  peakRssBytes: number;
}

export interface WorkloadRun {
  coordinator: Coordinator;
  workload: string;
  requests: number;
  seconds: number;
  decidedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  enrolled: number;
  waitlisted: number;
  refused: number;
  errors: number;
  errorKinds: Record<string, number>;
  audit: string[];
  stages: StageScrape;
  processes: ProcessUse[];
}

/** No ANSI colours: the tables end up in logs and the README. */
const PLAIN = { head: [], border: [] };
const NAMES: Record<Coordinator, string> = { registrar: 'Registrar', apache: 'Apache ZK 3.8' };
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));

function auditText(r: WorkloadRun): string {
  if (r.audit.length === 0) return 'ok: never above capacity, answers = rows';
  return `${r.audit.length} PROBLEM(S): ${r.audit.slice(0, 2).join('; ')}`;
}

export function renderThroughput(runs: WorkloadRun[]): string {
  const t = new Table({
    style: PLAIN,
    head: [
      'coordinator',
      'workload',
      'requests',
      'decided/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'enrolled / waitlisted / 409',
      'errors',
      'audit',
    ],
  });
  for (const r of runs) {
    t.push([
      NAMES[r.coordinator],
      r.workload,
      r.requests,
      int(r.decidedPerSecond),
      r.p50,
      r.p99,
      r.max,
      `${r.enrolled} / ${r.waitlisted} / ${r.refused}`,
      r.errors,
      auditText(r),
    ]);
  }
  return t.toString();
}

export function renderRatio(runs: WorkloadRun[]): string {
  const t = new Table({
    style: PLAIN,
    head: [
      'workload',
      'decided/s ours',
      'decided/s Apache',
      'ratio ours/Apache',
      'p99 ours',
      'p99 Apache',
      'p99 ratio',
    ],
  });
  for (const w of new Set(runs.map((r) => r.workload))) {
    const o = runs.find((r) => r.workload === w && r.coordinator === 'registrar');
    const z = runs.find((r) => r.workload === w && r.coordinator === 'apache');
    if (!o || !z) continue;
    t.push([
      w,
      int(o.decidedPerSecond),
      int(z.decidedPerSecond),
      (o.decidedPerSecond / z.decidedPerSecond).toFixed(2),
      o.p99,
      z.p99,
      (o.p99 / z.p99).toFixed(2),
    ]);
  }
  return t.toString();
}

export function renderProcesses(runs: WorkloadRun[]): string {
  const t = new Table({
    style: PLAIN,
    head: [
      'coordinator',
      'process',
      ...runs.filter((r) => r.coordinator === 'registrar').map((r) => `${r.workload} CPU ms`),
      'peak RSS MB',
    ],
  });
  for (const c of ['registrar', 'apache'] as const) {
    const mine = runs.filter((r) => r.coordinator === c);
    if (mine.length === 0) continue;
    for (const p of mine[0]!.processes) {
      const uses = mine.map((r) => r.processes.find((x) => x.label === p.label));
      const peak = Math.max(...uses.map((u) => u?.peakRssBytes ?? 0));
      t.push([NAMES[c], p.label, ...uses.map((u) => (u ? int(u.cpuMs) : '-')), int(peak / 1024 / 1024)]);
    }
    const sum = (label: RegExp) =>
      mine.map((r) => int(r.processes.filter((p) => label.test(p.label)).reduce((a, p) => a + p.cpuMs, 0)));
    t.push([NAMES[c], 'members, total', ...sum(/^member/), '']);
    t.push([NAMES[c], 'course-enrollment, total', ...sum(/^course-enrollment/), '']);
  }
  return t.toString();
}

interface StageRow {
  label: string;
  count: (s: StageScrape) => number;
  sumS: (s: StageScrape) => number;
}

function stageRows(): StageRow[] {
  const stage = (name: string, label: string): StageRow => ({
    label,
    count: (s) => s.stages.get(name)?.count ?? 0,
    sumS: (s) => s.stages.get(name)?.sum ?? 0,
  });
  const trips = (s: StageScrape) => [...s.roundTrips.values()];
  return [
    { label: 'HTTP (server total, enroll route)', count: (s) => s.http.count, sumS: (s) => s.http.sum },
    stage('auth', 'auth (JWT verify)'),
    stage('course-read', 'course lookup (database read)'),
    stage('seat-queue', 'seat queue (submit -> batch decides; includes lock wait)'),
    stage('lock-acquire', 'lock acquire (per batch)'),
    {
      label: 'lock round trips (all ops)',
      count: (s) => trips(s).reduce((a, x) => a + x.count, 0),
      sumS: (s) => trips(s).reduce((a, x) => a + x.sum, 0),
    },
    stage('db-wait', 'database wait (until its statements run, per batch)'),
    stage('db-batch', 'database statements (per batch)'),
    stage('db-transaction', 'database transactions (BEGIN..COMMIT, each carries many batches)'),
    stage('lock-release', 'lock release (per batch)'),
  ];
}

/** One table per workload: count, mean and total per stage, ours beside Apache's. */
export function renderStages(runs: WorkloadRun[]): string {
  const out: string[] = [];
  for (const w of new Set(runs.map((r) => r.workload))) {
    const mine = (['registrar', 'apache'] as const)
      .map((c) => runs.find((r) => r.workload === w && r.coordinator === c))
      .filter((r): r is WorkloadRun => r !== undefined);
    const t = new Table({
      style: PLAIN,
      head: ['stage', ...mine.flatMap((r) => [`${NAMES[r.coordinator]} n`, 'mean ms', 'total s'])],
    });
    for (const row of stageRows()) {
      t.push([
        row.label,
        ...mine.flatMap((r) => {
          const n = row.count(r.stages);
          const sum = row.sumS(r.stages);
          return [int(n), n > 0 ? ms((sum / n) * 1000) : '-', sum.toFixed(2)];
        }),
      ]);
    }
    t.push([
      'seat batches (mean ops per batch)',
      ...mine.flatMap((r) => [
        int(r.stages.batches.count),
        r.stages.batches.count > 0 ? (r.stages.batches.sum / r.stages.batches.count).toFixed(1) : '-',
        '',
      ]),
    ]);
    for (const op of [...new Set(mine.flatMap((r) => [...r.stages.roundTrips.keys()]))].sort()) {
      t.push([
        `  round trip: ${op}`,
        ...mine.flatMap((r) => {
          const e = r.stages.roundTrips.get(op) ?? { sum: 0, count: 0 };
          return [int(e.count), e.count > 0 ? ms((e.sum / e.count) * 1000) : '-', e.sum.toFixed(2)];
        }),
      ]);
    }
    out.push(`${w}:\n${t.toString()}`);
  }
  return out.join('\n');
}
