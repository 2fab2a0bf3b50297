/**
 * `npm run bench -- coordinator`: one Registrar member vs Apache ZooKeeper standalone, fsync on, the
 * same client library and closed-loop workloads against each, one server at a time (the other
 * idle). Defaults follow the issue's measurement: node-zookeeper-client, 16 sessions, one request
 * in flight each.
 *
 *   --memory-nodes N   then load N 100-byte znodes and report resident memory
 *   --profile          run the Registrar member under V8's sampling profiler (cpu-profile-preload.mjs)
 *                      and print CPU per write by stage
 *                      (decode, prep, log, zab, apply, reply, ...); profiling slows the member, so
 *                      that run's throughput is not comparable with an unprofiled one
 *   --servers LIST     registrar,apache (default both); one alone for quick iterations; add `floor`
 *                      for bench/write-floor-server.ts (framing, codecs and group-committed fdatasync,
 *                      nothing else), benched after the others: the ceiling of any Node server here
 *   --rounds N         the whole run N times on fresh servers, alternating which goes first, then the
 *                      ratio of every round side by side (a disturbed run shows as a disagreement)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { progress, type Progress, type ProgressBar } from './progress.js';
import { ZooKeeperClient } from '../libs/coordination/src/client/zookeeper-client.js';
import { startApacheZooKeeper } from '../test/support/apache-zookeeper.js';
import type { StartOptions } from '../test/support/ensemble.js';
import { startRegistrar } from '../test/support/registrar-member.js';
import { BENCH_CLIENTS, connectBenchClient, type BenchClientKind } from './bench-client.js';
import { delta, sampleProcess } from './process-stats.js';
import {
  renderCpuPerOpTable,
  renderFlushTable,
  renderMemoryTable,
  renderResourceTable,
  renderSingleTable,
  renderStageTable,
  renderWorkloadTable,
  summaryRows,
  cpuPerOp,
  type ServerRun,
} from './report.js';
import { readNewestProfile, stagesPerWrite, type StageWindow } from './stage-profile.js';
import { prepareRoots, runWorkload, VALUE, WORKLOADS, type WorkloadResult } from './workloads.js';
import { readFlushCount, txnsPerFlush } from './log-flushes.js';
import { writeBenchResults } from './results-file.js';
import { startWriteFloor, type BenchedServer } from './write-floor.js';

interface CoordinatorOptions {
  sessions: string;
  inflight: string;
  seconds: string;
  workloads: string;
  tick: string;
  memoryNodes: string;
  warmup: string;
  client: string;
  servers: string;
  profile?: boolean;
  rounds: string;
}

type SummaryRows = ReturnType<typeof summaryRows>;

/** Workloads whose every operation is a write (the ones the stage profile is about). */
const WRITE_WORKLOADS = new Set(['create', 'setData', 'lock']);

/** Load `count` 100-byte znodes with pipelined creates (our client, 256 outstanding); seconds taken. */
async function loadNodes(connectString: string, count: number, bar: ProgressBar): Promise<number> {
  const client = await ZooKeeperClient.connect(connectString, { sessionTimeout: 30_000 });
  try {
    await client.create('/mem').catch(() => undefined);
    const fanout = 1000;
    for (let d = 0; d < Math.ceil(count / fanout); d++)
      await client.create(`/mem/d${d}`).catch(() => undefined);
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await client.create(`/mem/d${Math.floor(i / fanout)}/n${i % fanout}`, VALUE);
        if (i % 1000 === 0) bar.update(i);
      }
    };
    await Promise.all(Array.from({ length: 256 }, worker));
    bar.update(count);
    return (Date.now() - started) / 1000;
  } finally {
    await client.close();
  }
}

interface RunPlan {
  opts: CoordinatorOptions;
  client: BenchClientKind;
  bars: Progress;
  /** Filled with each write workload's measured window (for the stage profile). */
  windows: StageWindow[];
}

async function benchServer(
  server: ServerRun['server'],
  ens: BenchedServer,
  plan: RunPlan,
): Promise<ServerRun> {
  const { opts, bars } = plan;
  const pid = ens.members[0]!.pid;
  const before = sampleProcess(pid)!;
  // The client's CPU beside the server's: on a small machine both share the cores, so a server's
  // throughput is bounded by what the client costs per operation too.
  const meter = () => {
    const own = process.cpuUsage();
    return { serverMs: sampleProcess(pid)?.cpuMs ?? 0, clientMs: (own.user + own.system) / 1000 };
  };
  const clients = await Promise.all(
    Array.from({ length: Number(opts.sessions) }, () => connectBenchClient(plan.client, ens.connectString)),
  );
  await prepareRoots(clients[0]!);
  const results: WorkloadResult[] = [];
  const seconds = Number(opts.seconds);
  const warmup = Number(opts.warmup);
  for (const key of opts.workloads.split(',').filter(Boolean)) {
    const w = WORKLOADS[key.trim()];
    if (!w) throw new Error(`unknown workload ${key}; known: ${Object.keys(WORKLOADS).join(', ')}`);
    const bar = bars.create((seconds + warmup) * 10, `${server} ${w.name}`.padEnd(24));
    const timer = setInterval(() => bar.increment(), 100);
    // Reads flush nothing but their set-up's writes, which would read as a batch size.
    const writes = WRITE_WORKLOADS.has(key.trim());
    const flushesBefore = writes ? await readFlushCount(ens.connectString) : undefined;
    const result = await runWorkload(w, clients, seconds, Number(opts.inflight), warmup, 'm', meter);
    if (writes) result.txnsPerFlush = txnsPerFlush(flushesBefore, await readFlushCount(ens.connectString));
    clearInterval(timer);
    bar.update((seconds + warmup) * 10);
    results.push(result);
    if (WRITE_WORKLOADS.has(key.trim()) && result.startedUs !== undefined) {
      // The lock cycle is three writes-or-reads per op: create, getChildren, delete (two writes).
      const writes = key.trim() === 'lock' ? result.ops * 2 : result.ops;
      plan.windows.push({
        name: w.name,
        fromUs: result.startedUs,
        toUs: result.startedUs + result.seconds * 1e6,
        ops: writes,
      });
    }
  }
  await Promise.all(clients.map((c) => c.close()));
  let memory: ServerRun['memory'];
  const nodes = Number(opts.memoryNodes);
  if (nodes > 0) {
    const bar = bars.create(nodes, `${server} load znodes`.padEnd(24));
    const loadSeconds = await loadNodes(ens.connectString, nodes, bar);
    await new Promise((r) => setTimeout(r, 2000));
    const s = sampleProcess(pid)!;
    memory = { nodes, rssBytes: s.rssBytes, peakRssBytes: s.peakRssBytes, seconds: loadSeconds };
  }
  return { server, results, resources: delta(before, sampleProcess(pid)!), memory };
}

export function registerCoordinatorBench(program: Command, fairStart: (tick: string) => StartOptions): void {
  program
    .command('coordinator')
    .description('single member vs Apache ZooKeeper standalone, fsync on, same client and workload')
    .option('--sessions <n>', 'concurrent sessions', '16')
    .option('--inflight <n>', 'outstanding requests per session (closed loop)', '1')
    .option('--seconds <s>', 'measured duration of each workload', '5')
    .option('--warmup <s>', 'unmeasured warm-up before each workload', '2')
    .option('--workloads <list>', 'comma-separated', 'create,setData,getData,exists,lock')
    .option('--tick <ms>', 'tickTime for both servers', '2000')
    .option('--memory-nodes <n>', 'then load this many 100-byte znodes and report RSS (0 = skip)', '0')
    .option('--client <name>', `client library: ${BENCH_CLIENTS.join(' | ')}`, 'node-zookeeper-client')
    .option(
      '--servers <list>',
      'registrar,apache or one of them, and floor (the write floor)',
      'registrar,apache',
    )
    .option('--profile', 'profile the Registrar member and print CPU per write by stage')
    .option(
      '--rounds <n>',
      'repeat the whole run n times on fresh servers, alternating which goes first, and print the ratios of each',
      '1',
    )
    .action(async (opts: CoordinatorOptions) => {
      const rounds = Number(opts.rounds);
      if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer`);
      const ratios: RoundRatios[] = [];
      for (let round = 1; round <= rounds; round++) {
        if (rounds > 1)
          console.log(`\n=== round ${round} of ${rounds}${round % 2 === 0 ? ' (apache first)' : ''}`);
        const got = await runOnce(opts, fairStart, round % 2 === 0 ? 'apache' : 'registrar');
        if (got.rows) ratios.push({ round, rows: got.rows, floor: got.floor });
      }
      // One run's ratios can be off by 1.6x with nothing visibly wrong (README, 2026-12-06): rounds that
      // disagree show a disturbed run.
      if (ratios.length > 1) console.log(renderRoundsTable(ratios));
    });
}

/** How far above Apache the write floor itself is: no Node server can be further above it here. */
function renderFloorRatios(floor: ServerRun, zk: ServerRun): string {
  const t = new Table({ head: ['workload', 'floor ops/s', 'apache ops/s', 'floor / apache'] });
  for (const r of summaryRows(floor, zk))
    t.push([r.workload, r.oursOps.toFixed(0), r.zkOps.toFixed(0), (r.oursOps / r.zkOps).toFixed(2)]);
  return `the write floor against Apache (same client, same run):\n${t.toString()}`;
}

interface RoundRatios {
  round: number;
  rows: SummaryRows;
  /** the write floor against Apache, when it ran */
  floor?: SummaryRows;
}

/** Ops ratio (registrar / apache, and floor / apache) of every workload in every round, and their range. */
function renderRoundsTable(ratios: RoundRatios[]): string {
  const t = new Table({ head: ['workload', ...ratios.map((r) => `round ${r.round}`), 'min', 'max'] });
  const line = (label: string, each: number[]) =>
    t.push([
      label,
      ...each.map((x) => x.toFixed(2)),
      Math.min(...each).toFixed(2),
      Math.max(...each).toFixed(2),
    ]);
  const ratio = (rows: SummaryRows | undefined, i: number) =>
    rows ? rows[i]!.oursOps / rows[i]!.zkOps : NaN;
  for (const [i, row] of ratios[0]!.rows.entries())
    line(
      row.workload,
      ratios.map((r) => ratio(r.rows, i)),
    );
  if (ratios.every((r) => r.floor))
    for (const [i, row] of ratios[0]!.floor!.entries())
      line(
        `floor: ${row.workload}`,
        ratios.map((r) => ratio(r.floor, i)),
      );
  return `ops ratio registrar / apache (and the write floor / apache) per round:\n${t.toString()}`;
}

/** One run: both servers started fresh, each benched alone (`first` goes first); the tables printed. */
async function runOnce(
  opts: CoordinatorOptions,
  fairStart: (tick: string) => StartOptions,
  first: ServerRun['server'],
): Promise<{ rows?: SummaryRows; floor?: SummaryRows }> {
  const client = opts.client as BenchClientKind;
  if (!BENCH_CLIENTS.includes(client)) throw new Error(`unknown --client ${opts.client}`);
  const servers = new Set(opts.servers.split(',').map((s) => s.trim()));
  const profileDir = opts.profile ? mkdtempSync(join(tmpdir(), 'registrar-cpu-prof-')) : undefined;
  const start = fairStart(opts.tick);
  const oursStart: StartOptions = profileDir
    ? {
        ...start,
        env: {
          ...start.env,
          NODE_OPTIONS: `--import ${fileURLToPath(new URL('./cpu-profile-preload.mjs', import.meta.url))}`,
          REGISTRAR_BENCH_CPU_PROF_DIR: profileDir,
        },
      }
    : start;
  console.log(
    `starting ${[...servers].join(' and ')} (tickTime=${opts.tick}, forceSync=yes)${profileDir ? ', Registrar profiled' : ''}`,
  );
  const [zk, ours, floor] = await Promise.all([
    servers.has('apache') ? startApacheZooKeeper(start) : undefined,
    servers.has('registrar') ? startRegistrar(oursStart) : undefined,
    servers.has('floor') ? startWriteFloor() : undefined,
  ]);
  const bars = progress();
  const plan: RunPlan = { opts, client, bars, windows: [] };
  let oursRun: ServerRun | undefined;
  let zkRun: ServerRun | undefined;
  let floorRun: ServerRun | undefined;
  try {
    if (zk && first === 'apache') zkRun = await benchServer('apache', zk, { ...plan, windows: [] });
    if (ours) oursRun = await benchServer('registrar', ours, plan);
    if (zk && first !== 'apache') zkRun = await benchServer('apache', zk, { ...plan, windows: [] });
    if (floor) floorRun = await benchServer('floor', floor, { ...plan, windows: [] });
  } finally {
    bars.stop();
    await Promise.all([zk?.stop(), ours?.stop(), floor?.stop()]);
  }
  console.log(
    `\nsessions=${opts.sessions} inflight=${opts.inflight} seconds=${opts.seconds} (after ${opts.warmup} s warm-up) value=100B, client: ${client}, servers on 127.0.0.1`,
  );
  const runs = [oursRun, zkRun, floorRun].filter((r): r is ServerRun => r !== undefined);
  if (oursRun && zkRun) console.log(renderWorkloadTable(oursRun, zkRun));
  else for (const r of runs) if (r !== floorRun) console.log(renderSingleTable(r));
  if (floorRun) console.log(renderSingleTable(floorRun));
  if (floorRun && zkRun) console.log(renderFloorRatios(floorRun, zkRun));
  console.log(renderResourceTable(runs));
  console.log(
    'CPU per operation in the measured windows (µs; the client is this process, the same for both):',
  );
  console.log(renderCpuPerOpTable(runs));
  const flushes = renderFlushTable(runs);
  if (flushes) {
    console.log(
      'Txns per txn-log flush (one fsync each; mntr sync_processor_batch_size, set-up and warm-up included):',
    );
    console.log(flushes);
  }
  if (runs.some((r) => r.memory)) console.log(renderMemoryTable(runs));
  let stages: ReturnType<typeof stagesPerWrite> | undefined;
  if (profileDir && plan.windows.length > 0) {
    stages = stagesPerWrite(readNewestProfile(profileDir), plan.windows);
    console.log('Registrar member CPU per write by stage (µs, from its CPU profile; idle excluded):');
    console.log(renderStageTable(stages));
    rmSync(profileDir, { recursive: true, force: true });
  }
  const rows = oursRun && zkRun ? summaryRows(oursRun, zkRun) : undefined;
  const floorRows = floorRun && zkRun ? summaryRows(floorRun, zkRun) : undefined;
  writeBenchResults('coordinator', {
    options: opts,
    rows,
    resources: { registrar: oursRun?.resources, apache: zkRun?.resources, floor: floorRun?.resources },
    floor: floorRows,
    cpuPerOp: Object.fromEntries(runs.map((r) => [r.server, cpuPerOp(r)])),
    txnsPerFlush: Object.fromEntries(
      runs.map((r) => [r.server, Object.fromEntries(r.results.map((x) => [x.name, x.txnsPerFlush ?? null]))]),
    ),
    memory: { registrar: oursRun?.memory, apache: zkRun?.memory },
    stages,
  });
  return { rows, floor: floorRows };
}
