/**
 * Benchmarks, always side by side with Apache ZooKeeper 3.8 (Debian) on this machine:
 *
 *   npm run bench -- coordinator [--sessions 16] [--inflight 1] [--client node-zookeeper-client|registrar]
 *                                [--memory-nodes 1000000] [--profile] [--servers registrar,apache]   (bench/coordinator.ts)
 *   npm run bench -- recipes [--sessions 20] [--seconds 10]
 *   npm run bench -- ensemble [--sessions 12] [--inflight 2] [--seconds 5] [--lock-sessions 12] [--failovers 3]
 *   npm run bench -- schedule [--clients 50,500] [--updates 50] [--pause-ms 50]   (exam schedule push over SSE)
 *   npm run bench -- enrollment [--students 500] [--courses 20] [--per-course 100]   (bench/enrollment.ts)
 *   npm run bench -- platform [--students 500] [--courses 20] [--per-course 100] [--instances 3]   (bench/platform.ts)
 *
 * Both servers are started on loopback with the same tickTime and fsync on (forceSync=yes), driven
 * by the same client, one server at a time, the other idle. Each server's CPU time and peak
 * RSS come from /proc. Results also go to bench/results/<time>.json.
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { progress, type Progress } from './progress.js';
import { startApacheZooKeeper } from '../test/support/apache-zookeeper.js';
import type { Ensemble, StartOptions } from '../test/support/ensemble.js';
import { REGISTRAR_BUILT_MAIN, startRegistrar } from '../test/support/registrar-member.js';
import { renderWorkloadTable, summaryRows, type ServerRun } from './report.js';
import { lockSummary, renderLockTable, runLockBench } from './recipes.js';
import {
  connectAllSpread,
  connectSpread,
  measureFailovers,
  membersDelta,
  minMedianMax,
  renderEnsembleLockTable,
  renderFailoverTable,
  renderMemberTable,
  sampleMembers,
  waitForLeader,
  type EnsembleRunExtras,
} from './ensemble.js';
import { prepareRoots, runWorkload, WORKLOADS, type WorkloadResult } from './workloads.js';
import { registerCoordinatorBench } from './coordinator.js';
import { registerScheduleBench } from './schedule.js';
import { registerEnrollmentCommand } from './enrollment.js';
import { registerPlatformBench } from './platform.js';
import { writeBenchResults } from './results-file.js';

const program = new Command().name('bench').description('Registrar benchmarks vs Apache ZooKeeper 3.8');

/**
 * Start options that keep a comparison fair, shared by every subcommand: the same tickTime and
 * forceSync=yes for both; Apache on the JVM's stock settings (as Debian's zkServer.sh starts it), never
 * the test harness's quick-start flags; ours from the built output (npm run build), as in production.
 */
function fairStart(tick: string, members = 1): StartOptions {
  if (!existsSync(REGISTRAR_BUILT_MAIN)) {
    throw new Error(`${REGISTRAR_BUILT_MAIN} is missing: run \`npm run build\` first (npm run bench does)`);
  }
  return {
    members,
    tickTime: Number(tick),
    extra: { forceSync: 'yes' },
    apacheJvm: 'stock',
    registrarFrom: 'dist',
  };
}

registerCoordinatorBench(program, fairStart);

program
  .command('recipes')
  .description('Lock under contention: acquisitions/s and hand-off latency (release -> next holder acquired)')
  .option('--sessions <n>', 'contending sessions', '20')
  .option('--seconds <s>', 'measured duration', '10')
  .option('--warmup <s>', 'unmeasured warm-up', '2')
  .option('--tick <ms>', 'tickTime for both servers', '2000')
  .action(async (opts: { sessions: string; seconds: string; warmup: string; tick: string }) => {
    const start = fairStart(opts.tick);
    console.log(
      `starting Apache ZooKeeper 3.8 and Registrar side by side (tickTime=${opts.tick}, forceSync=yes)`,
    );
    const [zk, ours] = await Promise.all([startApacheZooKeeper(start), startRegistrar(start)]);
    try {
      const args = [Number(opts.sessions), Number(opts.seconds), Number(opts.warmup)] as const;
      // One server at a time, the other idle.
      const oursRun = await runLockBench('registrar', ours.connectString, ...args);
      const zkRun = await runLockBench('apache', zk.connectString, ...args);
      console.log(
        `\nLock: ${opts.sessions} sessions in one client process contend for one lock, ${opts.seconds} s measured after ${opts.warmup} s warm-up`,
      );
      console.log(renderLockTable([oursRun, zkRun]));
      writeBenchResults('recipes', { options: opts, results: [lockSummary(oursRun), lockSummary(zkRun)] });
    } finally {
      await Promise.all([zk.stop(), ours.stop()]);
    }
  });

interface EnsembleOptions {
  sessions: string;
  inflight: string;
  seconds: string;
  warmup: string;
  workloads: string;
  lockSessions: string;
  failovers: string;
  tick: string;
}

async function benchEnsemble(
  server: 'registrar' | 'apache',
  ens: Ensemble,
  opts: EnsembleOptions,
  bars: Progress,
): Promise<{ run: ServerRun; extras: EnsembleRunExtras }> {
  await waitForLeader(ens);
  const before = sampleMembers(ens);
  const clients = await connectAllSpread(ens, Number(opts.sessions));
  await prepareRoots(clients[0]!);
  const results: WorkloadResult[] = [];
  const secs = Number(opts.seconds);
  const warm = Number(opts.warmup);
  const withBar = async <T>(label: string, total: number, body: () => Promise<T>): Promise<T> => {
    const bar = bars.create(total * 10, `${server} ${label}`.padEnd(28));
    const timer = setInterval(() => bar.increment(), 100);
    try {
      return await body();
    } finally {
      clearInterval(timer);
      bar.update(total * 10);
    }
  };
  for (const key of opts.workloads.split(',')) {
    const w = WORKLOADS[key.trim()];
    if (!w) throw new Error(`unknown workload ${key}; known: ${Object.keys(WORKLOADS).join(', ')}`);
    results.push(
      await withBar(w.name, secs + warm, () => runWorkload(w, clients, secs, Number(opts.inflight), warm)),
    );
  }
  const lock = await withBar('lock hand-offs', secs + warm, () =>
    runLockBench(server, (i) => connectSpread(ens, i), Number(opts.lockSessions), secs, warm),
  );
  // Resources cover the throughput phases only: failover replaces member processes.
  const members = membersDelta(before);
  const sum = members.reduce(
    (a, m) => ({
      cpuMs: a.cpuMs + m.cpuMs,
      rssBytes: 0,
      peakRssBytes: Math.max(a.peakRssBytes, m.peakRssBytes),
    }),
    {
      cpuMs: 0,
      rssBytes: 0,
      peakRssBytes: 0,
    },
  );
  const n = Number(opts.failovers);
  const bar = bars.create(Math.max(1, n), `${server} failovers`.padEnd(28));
  const failovers = await measureFailovers(ens, clients, n, (round) => bar.update(round));
  bar.update(Math.max(1, n));
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  return { run: { server, results, resources: sum }, extras: { lock, members, failovers } };
}

program
  .command('ensemble')
  .description('3-member Registrar vs 3-member Apache ZooKeeper: throughput, lock hand-offs, leader failover')
  .option('--sessions <n>', 'concurrent sessions, spread evenly over the members', '12')
  .option('--inflight <n>', 'outstanding requests per session (closed loop)', '2')
  .option('--seconds <s>', 'measured duration of each workload', '5')
  .option('--warmup <s>', 'unmeasured warm-up before each workload', '2')
  .option('--workloads <list>', 'comma-separated', 'setData,getData,mix')
  .option('--lock-sessions <n>', 'lock contenders (spread over the members)', '12')
  .option('--failovers <n>', 'leader kill -9 rounds per server', '3')
  .option('--tick <ms>', 'tickTime for both ensembles (initLimit=10, syncLimit=5 for both)', '2000')
  .action(async (opts: EnsembleOptions) => {
    const start = fairStart(opts.tick, 3);
    const t0 = Date.now();
    console.log(
      `starting Apache ZooKeeper 3.8 and Registrar, 3 members each (tickTime=${opts.tick}, forceSync=yes)`,
    );
    const [zk, ours] = await Promise.all([startApacheZooKeeper(start), startRegistrar(start)]);
    const bars = progress();
    try {
      // One ensemble at a time, the other idle.
      const o = await benchEnsemble('registrar', ours, opts, bars);
      const z = await benchEnsemble('apache', zk, opts, bars);
      bars.stop();
      console.log(
        `\n3 members each; sessions=${opts.sessions} (spread evenly) inflight=${opts.inflight} seconds=${opts.seconds} (after ${opts.warmup} s warm-up) value=100B, client: Registrar's ZooKeeperClient, all on 127.0.0.1`,
      );
      console.log(renderWorkloadTable(o.run, z.run));
      console.log(
        `Lock: ${opts.lockSessions} contenders on one Lock (recipes/lock.ts), hand-off = release start -> next holder acquired`,
      );
      console.log(renderEnsembleLockTable(o.extras.lock, z.extras.lock));
      const opsOf = (r: ServerRun, e: EnsembleRunExtras) =>
        r.results.reduce((a, x) => a + x.ops, 0) + e.lock.acquisitions;
      console.log('Per-member CPU and peak RSS over the throughput phases (workloads + lock):');
      console.log(
        renderMemberTable([
          { server: 'registrar', members: o.extras.members, ops: opsOf(o.run, o.extras) },
          { server: 'apache', members: z.extras.members, ops: opsOf(z.run, z.extras) },
        ]),
      );
      console.log(
        `Failover with ${opts.sessions} writers (setData loop), tickTime=${opts.tick}, initLimit=10, syncLimit=5 for both:`,
      );
      console.log(renderFailoverTable(o.extras.failovers, z.extras.failovers));
      console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      writeBenchResults('ensemble', {
        options: opts,
        rows: summaryRows(o.run, z.run),
        lock: { registrar: lockSummary(o.extras.lock), apache: lockSummary(z.extras.lock) },
        members: { registrar: o.extras.members, apache: z.extras.members },
        failovers: {
          registrar: { runs: o.extras.failovers, ...minMedianMax(o.extras.failovers.map((f) => f.ms)) },
          apache: { runs: z.extras.failovers, ...minMedianMax(z.extras.failovers.map((f) => f.ms)) },
        },
      });
    } finally {
      bars.stop();
      await Promise.all([zk.stop(), ours.stop()]);
    }
  });

registerEnrollmentCommand(program);

registerScheduleBench(program, fairStart);

registerPlatformBench(program, fairStart);

program.parseAsync().catch((e) => {
  console.error(e);
  process.exit(1);
});
