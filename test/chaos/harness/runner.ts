/**
 * Runs one scenario once: a fresh ensemble, the workload under the nemesis, the scenario's checks,
 * and a report of what happened. Harness trouble (an ensemble that does not come back) is reported
 * as an error, never as "no anomaly".
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import { HistoryRecorder } from '../history/recorder.js';
import { ChaosCluster } from './chaos-cluster.js';
import { faultInjectionError } from './fault-errors.js';
import { DEFAULT_PACING, Nemesis, type FaultRecord } from './nemesis.js';
import type { Anomaly, CheckerSummary, Scenario, ScenarioContext } from './scenario.js';

export interface RunOptions {
  seed: number;
  durationMs: number;
  /** REGISTRAR_PLANTED_BUGS for the members, e.g. 'commit-without-quorum'. */
  plantedBugs?: string;
  registrarFrom?: 'source' | 'dist';
  /** Where histories go. */
  outDir: string;
  log?: (line: string) => void;
}

export interface RunReport {
  scenario: string;
  seed: number;
  members: number;
  plantedBugs?: string;
  wallMs: number;
  ops: { total: number; ok: number; fail: number; unknown: number };
  /** Nemesis faults on members and links plus the scenario's own client faults. */
  faults: number;
  /** Of `faults`, those the scenario injected on its clients. */
  clientFaults: number;
  faultErrors: number;
  faultLog: FaultRecord[];
  anomalies: Anomaly[];
  stats: Record<string, number>;
  checker?: CheckerSummary;
  historyFile: string;
  /** The harness itself failed (no anomaly verdict possible). */
  error?: string;
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunReport> {
  const log = opts.log ?? (() => undefined);
  const started = performance.now();
  const root = new SeededRng(opts.seed);
  const nemesisRng = root.fork();
  const rng = root.fork();
  const recorder = new HistoryRecorder();
  mkdirSync(opts.outDir, { recursive: true });
  const historyFile = join(
    opts.outDir,
    `${scenario.name}-seed${opts.seed}${opts.plantedBugs ? '-' + opts.plantedBugs.replace(/,/g, '+') : ''}.history.jsonl`,
  );
  const report: RunReport = {
    scenario: scenario.name,
    seed: opts.seed,
    members: scenario.members ?? 3,
    ...(opts.plantedBugs ? { plantedBugs: opts.plantedBugs } : {}),
    wallMs: 0,
    ops: { total: 0, ok: 0, fail: 0, unknown: 0 },
    faults: 0,
    clientFaults: 0,
    faultErrors: 0,
    faultLog: [],
    anomalies: [],
    stats: {},
    historyFile,
  };
  let cluster: ChaosCluster | undefined;
  let nemesis: Nemesis | undefined;
  // Found by the runner itself (a member that never rejoins), reported beside the scenario's own.
  const harnessAnomalies: Anomaly[] = [];
  // Service bugs go to the scenario's services; the rest are ZAB bugs for the members.
  const planted = (opts.plantedBugs ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const serviceBugs = planted.filter((b) => scenario.serviceBugs?.includes(b));
  const memberBugs = planted.filter((b) => !serviceBugs.includes(b)).join(',');
  try {
    cluster = await ChaosCluster.start({
      members: scenario.members ?? 3,
      plantedBugs: memberBugs === '' ? undefined : memberBugs,
      registrarFrom: opts.registrarFrom,
      ...(scenario.memberEnv ? { env: scenario.memberEnv } : {}),
      ...(scenario.zooCfg ? { zooCfg: scenario.zooCfg } : {}),
    });
    await cluster.waitForQuorum();
    const c = cluster;
    nemesis = new Nemesis(c, nemesisRng, scenario.faults, scenario.pacing ?? DEFAULT_PACING, log);
    const n = nemesis;
    const ctx: ScenarioContext = {
      seed: opts.seed,
      rng,
      durationMs: opts.durationMs,
      cluster: c,
      recorder,
      serviceBugs,
      log,
      async underFaults(workload) {
        const stop = new AbortController();
        // Every client of the workload waits on this one signal, so the number of listeners is the
        // number of workers (it grows with --members): not a leak, and Node's warning would be noise.
        setMaxListeners(0, stop.signal);
        const timer = setTimeout(() => stop.abort(), opts.durationMs);
        try {
          await Promise.all([n.run(stop.signal), workload(stop.signal)]);
        } finally {
          clearTimeout(timer);
          stop.abort();
        }
        for (const id of await c.healAll()) {
          harnessAnomalies.push({
            kind: 'member-not-rejoining',
            message:
              `member ${id} did not rejoin the ensemble within 30 s after every fault was healed ` +
              (c.exitedOnItsOwn(id)
                ? '(its process exited on its own: a crash, see the evidence)'
                : `(its last answer to srvr: ${c.lastSeenRole(id)})`),
            evidence: c.logTail(id),
          });
        }
      },
    };
    const outcome = await scenario.run(ctx);
    report.anomalies = [...harnessAnomalies, ...outcome.anomalies];
    report.stats = outcome.stats ?? {};
    if (outcome.checker) report.checker = outcome.checker;
    report.clientFaults = outcome.clientFaults ?? 0;
  } catch (err) {
    report.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    report.anomalies = [...harnessAnomalies, ...report.anomalies];
  } finally {
    if (nemesis) {
      report.faultLog = nemesis.records;
      report.faults = nemesis.records.length + report.clientFaults;
      report.faultErrors = nemesis.records.filter((r) => r.error !== undefined).length;
      const faultError = faultInjectionError(nemesis.records);
      if (faultError !== undefined && report.error === undefined) report.error = faultError;
    }
    const history = recorder.toJSON();
    report.ops = {
      total: history.length,
      ok: history.filter((o) => o.status === 'ok').length,
      fail: history.filter((o) => o.status === 'fail').length,
      unknown: history.filter((o) => o.status === 'unknown').length,
    };
    await recorder.writeJsonLines(historyFile);
    if (cluster) {
      const keep = report.error !== undefined || report.anomalies.length > 0;
      const previous = process.env['KEEP_TEST_DIRS'];
      if (keep) {
        process.env['KEEP_TEST_DIRS'] = '1';
        log(
          `member dirs kept for the post-mortem: ${cluster.ids.map((id) => cluster!.memberDir(id)).join(' ')}`,
        );
      }
      await cluster.stop().catch((e) => log(`stopping the ensemble failed: ${String(e)}`));
      if (previous === undefined) delete process.env['KEEP_TEST_DIRS'];
      else process.env['KEEP_TEST_DIRS'] = previous;
    }
    report.wallMs = Math.round(performance.now() - started);
  }
  return report;
}
