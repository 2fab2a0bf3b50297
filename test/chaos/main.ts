/**
 * `npm run test:chaos`: runs chaos scenarios against real Registrar ensembles for a time budget and a
 * range of seeds, then prints a table and writes report.json (plus one history file per run).
 *
 *   npm run test:chaos -- --duration 45 --seeds 1             # every scenario once, 45 s of faults each
 *   npm run test:chaos -- --scenario register --budget 600    # seeds 1, 2, ... until 10 minutes are used
 *   npm run test:chaos -- --scenario register --planted-bug commit-without-quorum --expect-kind not-linearizable
 *
 * Exit status: with --expect none (default) 1 if any run found an anomaly or failed to run; with
 * --expect anomaly 1 unless some run found one; with --expect-kind K[,K2] 1 unless some run found an
 * anomaly of one of those kinds (the planted-bug gate: caught by the check meant for it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { FAULT_KINDS, type FaultKind } from './harness/faults.js';
import { runScenario, type RunReport } from './harness/runner.js';
import { judge, parseExpectation } from './harness/expectation.js';
import { renderReportTable } from './harness/report.js';
import { SCENARIOS } from './scenarios/index.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function seedRange(value: string): [number, number] {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(value);
  if (!m) throw new InvalidArgumentError('expected N or A..B');
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (b < a) throw new InvalidArgumentError('empty seed range');
  return [a, b];
}

const program = new Command()
  .name('test:chaos')
  .description('Fault-injection runs against real Registrar ensembles, checked for anomalies')
  .option('--scenario <names>', 'comma-separated scenario names (default: all)')
  .option('--seeds <range>', 'seed or seed range A..B; each scenario runs once per seed', seedRange, [1, 1])
  .option(
    '--budget <seconds>',
    'keep running further seeds (round-robin over scenarios) until this much time is used; no run starts after it',
    positiveInt,
  )
  .option('--duration <seconds>', 'faulted phase per run', positiveInt, 45)
  .option('--members <n>', "ensemble size for every scenario (default: the scenario's, 3)", positiveInt)
  .option('--faults <kinds>', `override the scenarios' fault kinds (${FAULT_KINDS.join(', ')})`)
  .option(
    '--planted-bug <bugs>',
    'run with planted bugs (members: commit-without-quorum, skip-trunc, follower-read-ahead, sync-without-quorum, early-expiry, skip-fsync-before-ack, apply-uncommitted-tail; services: see the scenario)',
  )
  .option('--expect <what>', "'none' (default) or 'anomaly' (for planted bugs)", 'none')
  .option(
    '--expect-kind <kinds>',
    'expect an anomaly of one of these kinds (comma-separated; implies anomaly)',
  )
  .option('--stop-on-anomaly', 'stop at the first run that finds an anomaly (of an expected kind, if named)')
  .option('--from <where>', "run members from 'source' (tsx) or 'dist' (npm run build)", 'source')
  .option('--out <dir>', 'report directory', '.chaos')
  .option('--quiet', 'do not print the nemesis log')
  .option('--list', 'list the scenarios and exit');

interface Options {
  scenario?: string;
  seeds: [number, number];
  budget?: number;
  duration: number;
  plantedBug?: string;
  faults?: string;
  members?: number;
  expect: string;
  expectKind?: string;
  stopOnAnomaly?: boolean;
  from: string;
  out: string;
  quiet?: boolean;
  list?: boolean;
}

async function main(): Promise<number> {
  program.parse();
  const o = program.opts<Options>();
  if (o.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(18)} ${s.summary}`);
    return 0;
  }
  if (o.expect !== 'none' && o.expect !== 'anomaly')
    throw new InvalidArgumentError("--expect: 'none' or 'anomaly'");
  const expectation = parseExpectation(o.expect, o.expectKind);
  if (o.from !== 'source' && o.from !== 'dist') throw new InvalidArgumentError("--from: 'source' or 'dist'");
  const names = o.scenario?.split(',').map((s) => s.trim()) ?? SCENARIOS.map((s) => s.name);
  const chosen = names.map((n) => {
    const s = SCENARIOS.find((x) => x.name === n);
    if (!s)
      throw new InvalidArgumentError(
        `unknown scenario "${n}" (known: ${SCENARIOS.map((x) => x.name).join(', ')})`,
      );
    return s;
  });
  const faults = o.faults?.split(',').map((f) => {
    const kind = f.trim() as FaultKind;
    if (!FAULT_KINDS.includes(kind)) throw new InvalidArgumentError(`unknown fault "${f}"`);
    return kind;
  });
  const outDir = resolve(o.out);
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const reports: RunReport[] = [];
  const log = o.quiet ? () => undefined : (line: string) => console.log(`  ${line}`);
  let seed = o.seeds[0];
  const budgetMs = o.budget === undefined ? undefined : o.budget * 1000;
  outer: for (;;) {
    for (const scenario of chosen) {
      console.log(`::: ${scenario.name} seed ${seed}${o.plantedBug ? ` planted bug ${o.plantedBug}` : ''}`);
      const chosenScenario = {
        ...scenario,
        ...(faults ? { faults } : {}),
        ...(o.members ? { members: o.members } : {}),
      };
      const report = await runScenario(chosenScenario, {
        seed,
        durationMs: o.duration * 1000,
        plantedBugs: o.plantedBug,
        registrarFrom: o.from as 'source' | 'dist',
        outDir,
        log,
      });
      reports.push(report);
      console.log(
        `::: ${scenario.name} seed ${seed}: ${report.ops.total} ops, ${report.faults} faults, ` +
          `${report.anomalies.length} anomalies${report.error ? ', HARNESS ERROR' : ''} (${(report.wallMs / 1000).toFixed(0)} s)`,
      );
      for (const a of report.anomalies.slice(0, 5))
        console.log(`    ${a.kind}: ${a.message}\n      ${JSON.stringify(a.evidence)}`);
      if (report.error) console.log(`    ${report.error.split('\n').slice(0, 4).join('\n    ')}`);
      if (o.stopOnAnomaly && expectation.kind === 'anomaly' && judge([report], expectation).met) break outer;
      if (o.stopOnAnomaly && expectation.kind === 'none' && report.anomalies.length > 0) break outer;
      // Checked after every run, not every round: a round of all scenarios takes ~9 minutes.
      if (budgetMs !== undefined && Date.now() - started >= budgetMs) break outer;
    }
    seed++;
    // With a budget the loop ends inside, after the run that used it up; without one, at the last seed.
    if (budgetMs === undefined && seed > o.seeds[1]) break;
  }
  const summary = {
    startedAt: new Date(started).toISOString(),
    command: `npm run test:chaos -- ${process.argv.slice(2).join(' ')}`.trim(),
    plantedBugs: o.plantedBug ?? null,
    expectation,
    runs: reports,
  };
  writeFileSync(join(outDir, 'report.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log(renderReportTable(reports));
  console.log(`report: ${join(outDir, 'report.json')}`);
  const verdict = judge(reports, expectation);
  console.log(verdict.summary);
  return verdict.met ? 0 : 1;
}

// Interrupted (Ctrl-C, CI's timeout): exit through process.exit so the spawn helpers' exit hook kills
// every member we started, by PID; lock-worker children exit when their stdin closes.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`test:chaos: ${sig}, stopping the processes it started`);
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof InvalidArgumentError ? `error: ${err.message}` : err);
    process.exit(2);
  },
);
