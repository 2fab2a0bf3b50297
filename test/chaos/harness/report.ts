/** The readable side of the chaos report: one table row per scenario, summed over its runs. */
import Table from 'cli-table3';
import type { RunReport } from './runner.js';

export interface ScenarioTotals {
  scenario: string;
  runs: number;
  ops: number;
  okOps: number;
  unknownOps: number;
  faults: number;
  faultErrors: number;
  anomalies: number;
  harnessErrors: number;
  seeds: number[];
}

/** Sums runs per scenario, in first-seen order. Pure, for tests. */
export function totalsByScenario(reports: readonly RunReport[]): ScenarioTotals[] {
  const by = new Map<string, ScenarioTotals>();
  for (const r of reports) {
    const t =
      by.get(r.scenario) ??
      by
        .set(r.scenario, {
          scenario: r.scenario,
          runs: 0,
          ops: 0,
          okOps: 0,
          unknownOps: 0,
          faults: 0,
          faultErrors: 0,
          anomalies: 0,
          harnessErrors: 0,
          seeds: [],
        })
        .get(r.scenario)!;
    t.runs++;
    t.ops += r.ops.total;
    t.okOps += r.ops.ok;
    t.unknownOps += r.ops.unknown;
    t.faults += r.faults;
    t.faultErrors += r.faultErrors;
    t.anomalies += r.anomalies.length;
    t.harnessErrors += r.error === undefined ? 0 : 1;
    t.seeds.push(r.seed);
  }
  return [...by.values()];
}

export function renderReportTable(reports: readonly RunReport[]): string {
  const table = new Table({
    head: ['scenario', 'runs', 'seeds', 'ops', 'ok', 'unknown', 'faults', 'anomalies', 'errors'],
    style: { head: [], border: [] },
  });
  for (const t of totalsByScenario(reports)) {
    const seeds = t.seeds.length === 1 ? `${t.seeds[0]}` : `${Math.min(...t.seeds)}..${Math.max(...t.seeds)}`;
    table.push([
      t.scenario,
      t.runs,
      seeds,
      t.ops,
      t.okOps,
      t.unknownOps,
      t.faults,
      t.anomalies,
      t.harnessErrors + t.faultErrors,
    ]);
  }
  return table.toString();
}
