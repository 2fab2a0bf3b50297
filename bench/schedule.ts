/**
 * `npm run bench -- schedule`: push latency of exam schedules over SSE. For each coordinator
 * (Registrar's ensemble, then Apache ZooKeeper 3.8's, 3 members each, same start options) it runs
 * 2 exam-registration instances (from dist/) on one SQLite file, connects N SSE clients spread over
 * them, and makes a series of schedule writes one after another. Latency is from the writer
 * instance receiving the coordinator's reply (X-Coordinator-Ack-Ms) to each client's receipt
 * (Date.now(), the clock every process on this host shares); "last client" is, per write, the
 * slowest of the N clients. Goal (issue 11): p99 to the last client under 50 ms at 500 clients.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { ZooKeeperClient } from '@registrar/coordination';
import { znodePaths } from '@registrar/platform';
import { TestTokenIssuer } from '@registrar/platform/testing';
import { startApacheZooKeeper } from '../test/support/apache-zookeeper.js';
import type { Ensemble, StartOptions } from '../test/support/ensemble.js';
import { startRegistrar } from '../test/support/registrar-member.js';
import { futureSession } from '../test/e2e/exam-registration/support/exam-env.js';
import { startService, type ServiceProcess } from '../test/e2e/exam-registration/support/service-process.js';
import { percentile, SseClient } from '../test/e2e/exam-registration/support/sse-client.js';
import { writeBenchResults } from './results-file.js';

interface ScheduleBenchOptions {
  clients: string;
  updates: string;
  pauseMs: string;
  tick: string;
}

interface Stats {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

interface Row {
  server: 'registrar' | 'apache';
  clients: number;
  updates: number;
  perReceipt: Stats;
  lastClient: Stats;
  missing: number;
}

function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? Number.NaN, n: s.length };
}

async function put(
  url: string,
  examId: string,
  token: string,
  version: number,
  n: number,
): Promise<{ version: number; ackMs: number }> {
  const res = await fetch(`${url}/api/exams/${examId}/schedule`, {
    method: 'PUT',
    headers: {
      Authorization: `Bearer ${token}`,
      'If-Match': `"${version}"`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      sessions: [futureSession('main', { seats: 100 + (n % 400), room: `Hall-${n}` })],
    }),
  });
  const body = (await res.json()) as { version?: number };
  if (res.status !== 200 || body.version === undefined)
    throw new Error(`PUT answered ${res.status} ${JSON.stringify(body)}`);
  return { version: body.version, ackMs: Number(res.headers.get('x-coordinator-ack-ms')) };
}

async function runOne(
  server: Row['server'],
  ensemble: Ensemble,
  counts: number[],
  updates: number,
  pauseMs: number,
): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-bench-schedule-'));
  const root = `/bench-schedule-${process.pid}`;
  const paths = znodePaths(root);
  const zk = await ZooKeeperClient.connect(ensemble.connectString, { sessionTimeout: 30_000 });
  const issuer = await TestTokenIssuer.publish(zk, paths.jwks);
  const env = {
    COORDINATION_CONNECT_STRING: ensemble.connectString,
    REGISTRAR_ZK_ROOT: root,
    DATABASE_PATH: join(dir, 'exam_registration.sqlite'),
  };
  const services: ServiceProcess[] = [];
  const rows: Row[] = [];
  try {
    services.push(await startService('exam-registration', env), await startService('exam-registration', env));
    const token = await issuer.sign({
      id: 'bench-staff',
      role: 'staff',
      email: 'bench@example.edu',
      name: 'Bench',
    });
    for (const count of counts) {
      const created = await fetch(`${services[0]!.url}/api/exams`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ courseId: 'bench', title: `Bench ${count}` }),
      });
      const examId = ((await created.json()) as { id: string }).id;
      const clients = Array.from({ length: count }, () => new SseClient());
      await Promise.all(
        clients.map((c, i) =>
          c.connect(`${services[i % 2]!.url}/api/exams/schedule/events?examId=${examId}`),
        ),
      );
      await Promise.all(clients.map((c) => c.waitFor((e) => JSON.parse(e.data).version === 0, 30_000)));
      const acks = new Map<number, number>();
      let version = 0;
      for (let n = 0; n < updates; n++) {
        // One writer, alternating instances; a pause between writes so each fan-out is measured alone.
        const r = await put(services[n % 2]!.url, examId, token, version, n);
        version = r.version;
        acks.set(r.version, r.ackMs);
        await new Promise((res) => setTimeout(res, pauseMs));
      }
      await Promise.all(
        clients.map((c) =>
          c.waitFor((e) => JSON.parse(e.data).version === version, 30_000).catch(() => undefined),
        ),
      );
      const perReceipt: number[] = [];
      const slowest = new Map<number, number>();
      let missing = 0;
      for (const c of clients) {
        const got = new Map<number, number>();
        for (const e of c.events) got.set((JSON.parse(e.data) as { version: number }).version, e.at);
        for (const [v, ack] of acks) {
          const at = got.get(v);
          if (at === undefined) {
            missing++;
            continue;
          }
          perReceipt.push(at - ack);
          slowest.set(v, Math.max(slowest.get(v) ?? Number.NEGATIVE_INFINITY, at - ack));
        }
      }
      for (const c of clients) c.close();
      rows.push({
        server,
        clients: count,
        updates,
        perReceipt: stats(perReceipt),
        lastClient: stats([...slowest.values()]),
        missing,
      });
      console.log(`  ${server}: ${count} clients done`);
    }
  } finally {
    await Promise.allSettled(services.map((s) => s.stop()));
    await zk.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

function render(rows: Row[]): string {
  const t = new Table({
    head: [
      'coordinator',
      'SSE clients',
      'writes',
      'p50 ms',
      'p99 ms',
      'max ms',
      'last client p50',
      'last client p99',
      'last client max',
      'missing',
    ],
  });
  const f = (n: number) => n.toFixed(0);
  for (const r of rows) {
    t.push([
      r.server,
      r.clients,
      r.updates,
      f(r.perReceipt.p50),
      f(r.perReceipt.p99),
      f(r.perReceipt.max),
      f(r.lastClient.p50),
      f(r.lastClient.p99),
      f(r.lastClient.max),
      r.missing,
    ]);
  }
  return t.toString();
}

/** Adds the `schedule` subcommand to the bench CLI. */
export function registerScheduleBench(
  program: Command,
  fairStart: (tick: string, members?: number) => StartOptions,
): void {
  program
    .command('schedule')
    .description(
      'schedule push latency over SSE: 2 exam-registration instances, N clients, our ensemble and Apache ZooKeeper',
    )
    .option('--clients <list>', 'comma-separated SSE client counts', '50,500')
    .option('--updates <n>', 'schedule writes per client count', '50')
    .option('--pause-ms <ms>', 'pause between writes', '50')
    .option('--tick <ms>', 'tickTime for both ensembles', '2000')
    .action(async (opts: ScheduleBenchOptions) => {
      const counts = opts.clients.split(',').map(Number);
      const updates = Number(opts.updates);
      const pauseMs = Number(opts.pauseMs);
      const start = fairStart(opts.tick, 3);
      const rows: Row[] = [];
      for (const server of ['registrar', 'apache'] as const) {
        console.log(
          `starting a 3-member ${server === 'apache' ? 'Apache ZooKeeper 3.8' : 'Registrar'} ensemble`,
        );
        const ensemble =
          server === 'apache' ? await startApacheZooKeeper(start) : await startRegistrar(start);
        try {
          rows.push(...(await runOne(server, ensemble, counts, updates, pauseMs)));
        } finally {
          await ensemble.stop();
        }
      }
      console.log(
        `\nschedule push: ${updates} sequential writes per row (pause ${pauseMs} ms), 2 exam-registration instances on one SQLite file, ` +
          'clients spread over both; latency = client receipt - coordinator reply at the writing instance (ms); "last client" = slowest client per write',
      );
      console.log(render(rows));
      writeBenchResults('schedule', { options: opts, rows });
    });
}
