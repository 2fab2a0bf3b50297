import { describe, expect, it } from 'vitest';
import type { RunReport } from './runner.js';
import { renderReportTable, totalsByScenario } from './report.js';

const run = (scenario: string, seed: number, extra: Partial<RunReport> = {}): RunReport => ({
  scenario,
  seed,
  members: 3,
  wallMs: 1000,
  ops: { total: 100, ok: 90, fail: 5, unknown: 5 },
  faults: 4,
  clientFaults: 0,
  faultErrors: 0,
  faultLog: [],
  anomalies: [],
  stats: {},
  historyFile: '/tmp/x',
  ...extra,
});

describe('chaos report', () => {
  it('sums runs per scenario and counts anomalies and harness errors apart', () => {
    const totals = totalsByScenario([
      run('register', 1),
      run('lock', 1, { anomalies: [{ kind: 'not-linearizable', message: 'm' }] }),
      run('register', 2, { error: 'ensemble did not start', faultErrors: 1 }),
    ]);
    expect(totals.map((t) => t.scenario)).toEqual(['register', 'lock']);
    expect(totals[0]).toMatchObject({
      runs: 2,
      ops: 200,
      okOps: 180,
      unknownOps: 10,
      faults: 8,
      anomalies: 0,
    });
    expect(totals[0]).toMatchObject({ harnessErrors: 1, faultErrors: 1, seeds: [1, 2] });
    expect(totals[1]).toMatchObject({ runs: 1, anomalies: 1 });
  });

  it('renders one row per scenario with its seed range', () => {
    const table = renderReportTable([run('register', 3), run('register', 5)]);
    expect(table).toMatch(/register\s*│\s*2\s*│\s*3\.\.5\s*│\s*200/);
  });
});
