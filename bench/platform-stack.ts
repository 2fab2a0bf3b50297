/**
 * One platform for `npm run bench -- platform`: a 3-member coordinator ensemble (ours or Apache
 * ZooKeeper 3.8, same start options), a fresh SQLite file, N course-enrollment instances and the
 * gateway, all as processes from dist/. Both coordinators get exactly this stack; only the connect
 * string differs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { startApacheZooKeeper } from '../test/support/apache-zookeeper.js';
import type { Ensemble, StartOptions } from '../test/support/ensemble.js';
import { startRegistrar } from '../test/support/registrar-member.js';
import { startServiceProcess, type ServiceProcess } from '../test/support/service-process.js';
import { ADMIN } from '../test/e2e/course-enrollment/cluster.js';

export type Coordinator = 'registrar' | 'apache';

export interface PlatformStack {
  coordinator: Coordinator;
  ensemble: Ensemble;
  instances: ServiceProcess[];
  gateway: ServiceProcess | undefined;
  /** Where the load goes: the gateway, or the instances round-robin (`--direct`). */
  targets: string[];
  databasePath: string;
  db(): Promise<DataSource>;
  /** Every process with a label, for CPU and memory sampling. */
  processes(): Array<{ label: string; pid: number }>;
  /** Folder with the database and every service's log. */
  dir: string;
  /** Stops every process; removes the folder unless `keep` (a run that saw errors keeps its logs). */
  stop(keep?: boolean): Promise<void>;
}

export interface StackOptions {
  coordinator: Coordinator;
  start: StartOptions;
  instances: number;
  gateway: boolean;
  /** Extra node flags for the course-enrollment instances (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Ports are picked free and then bound by the members; on a machine shared with other test runs
 * another process may take one in between (EADDRINUSE), so a failed start is tried again.
 */
async function startEnsemble(coordinator: Coordinator, start: StartOptions): Promise<Ensemble> {
  for (let attempt = 1; ; attempt++) {
    try {
      return coordinator === 'apache' ? await startApacheZooKeeper(start) : await startRegistrar(start);
    } catch (e) {
      if (attempt >= 3 || !/EADDRINUSE|BindException|Address already in use/.test(String(e))) throw e;
      console.error(`ensemble start failed on a taken port, trying again (${attempt}/3)`);
    }
  }
}

export async function startPlatformStack(opts: StackOptions): Promise<PlatformStack> {
  const ensemble = await startEnsemble(opts.coordinator, opts.start);
  const dir = mkdtempSync(join(tmpdir(), `registrar-bench-platform-${opts.coordinator}-`));
  const databasePath = join(dir, 'course_enrollment.sqlite');
  const root = `/bench-platform-${process.pid}`;
  const env: Record<string, string> = {
    COORDINATION_CONNECT_STRING: ensemble.connectString,
    REGISTRAR_ZK_ROOT: root,
    DATABASE_PATH: databasePath,
    REGISTRAR_ADMIN_EMAIL: ADMIN.email,
    REGISTRAR_ADMIN_PASSWORD: ADMIN.password,
    // Setup only (registering students is not measured): a cheap KDF, as the e2e suites use.
    PASSWORD_SCRYPT_LOG_N: '10',
    // Production logs one line per request; a benchmark measuring the services keeps that cost in.
    LOG_LEVEL: 'log',
  };
  const instances: ServiceProcess[] = [];
  let gateway: ServiceProcess | undefined;
  let ds: DataSource | undefined;
  const stop = async (keep = false) => {
    await ds?.destroy().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
    await Promise.allSettled(instances.map((i) => i.stop()));
    await ensemble.stop().catch(() => undefined);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    // The first instance runs the migrations and seeds the staff account; the others start together.
    const start = (n: number) =>
      startServiceProcess({
        app: 'course-enrollment',
        env: { ...env, INSTANCE_ID: `ce-${n}` },
        logFile: join(dir, `ce-${n}.log`),
        ...(opts.nodeArgs !== undefined ? { nodeArgs: opts.nodeArgs } : {}),
      });
    instances.push(await start(1));
    instances.push(
      ...(await Promise.all(Array.from({ length: opts.instances - 1 }, (_, i) => start(i + 2)))),
    );
    if (opts.gateway) {
      gateway = await startServiceProcess({
        app: 'gateway',
        rpc: false,
        env: { COORDINATION_CONNECT_STRING: ensemble.connectString, REGISTRAR_ZK_ROOT: root },
        logFile: join(dir, 'gateway.log'),
      });
      const url = gateway.url;
      await until(
        `the gateway to see ${opts.instances} healthy course-enrollment instances`,
        async () => {
          const r = await fetch(`${url}/api/cluster`);
          const c = (await r.json()) as { services: Record<string, Array<{ healthy: boolean }>> };
          return (c.services['course-enrollment'] ?? []).filter((x) => x.healthy).length >= opts.instances;
        },
        60_000,
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    coordinator: opts.coordinator,
    ensemble,
    instances,
    gateway,
    targets: gateway !== undefined ? [gateway.url] : instances.map((i) => i.url),
    databasePath,
    dir,
    async db() {
      ds ??= await new DataSource({
        type: 'sqlite',
        database: databasePath,
        busyTimeout: 10_000,
      }).initialize();
      return ds;
    },
    processes: () => [
      ...ensemble.members.map((m) => ({ label: `member ${m.id}`, pid: m.pid })),
      ...instances.map((i, n) => ({ label: `course-enrollment ${n + 1}`, pid: i.pid })),
      ...(gateway !== undefined ? [{ label: 'gateway', pid: gateway.pid }] : []),
    ],
    stop,
  };
}
