/**
 * Runs a built Nest service (`dist/apps/<app>/src/main.js`, so decorator metadata is the tsc build's)
 * as a separate process with its own environment, waits until `GET /health` answers 200, and stops
 * it by PID. Faults for tests: SIGKILL (crash), SIGSTOP/SIGCONT (a paused process: GC, VM freeze).
 * Output goes to a log file (never a pipe a chatty service could fill); failures show its tail.
 *
 * @example
 *   const svc = await startServiceProcess({ app: 'course-enrollment', env: { COORDINATION_CONNECT_STRING, ... } });
 *   await fetch(`${svc.url}/api/courses`);
 *   await svc.pause(); await svc.resume(); await svc.kill(); // or await svc.stop();
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signal, spawnMember, stopMember, tail, type MemberProcess } from './member-process.js';
import { freePorts } from './ports.js';
import { REPO_ROOT } from './registrar-member.js';

export interface ServiceProcessOptions {
  /** App folder under apps/ (e.g. 'course-enrollment', 'exam-registration', 'gateway'). */
  app: string;
  /** Environment on top of a minimal base (PATH, HOME); HTTP_PORT/RPC_PORT are chosen if absent. */
  env: Record<string, string>;
  /** Give it an RPC_PORT (default true). */
  rpc?: boolean;
  /** Bound on start-up until /health answers 200, ms (default 60 s). */
  readyTimeoutMs?: number;
  /** Log file (default: a new temp dir). */
  logFile?: string;
  /** Extra node flags before the entry point (e.g. `--cpu-prof`, not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
}

export interface ServiceProcess {
  readonly app: string;
  readonly pid: number;
  readonly httpPort: number;
  readonly rpcPort: number | undefined;
  /** `http://127.0.0.1:<httpPort>` */
  readonly url: string;
  readonly logFile: string;
  readonly process: MemberProcess;
  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP: the process stays alive but frozen (its sessions time out). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Last lines of the log, for assertion messages. */
  logTail(lines?: number): string;
}

export function builtMainOf(app: string): string {
  return join(REPO_ROOT, 'dist', 'apps', app, 'src', 'main.js');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until GET `${url}/health` answers 200 (or the process exits, or the bound passes). */
export async function waitForHealth(
  url: string,
  proc: MemberProcess,
  timeoutMs: number,
  label: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline && !proc.hasExited()) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  const why = proc.hasExited()
    ? `exited (${String(await proc.exited)})`
    : `not healthy within ${timeoutMs} ms`;
  throw new Error(
    `${label} (pid ${proc.pid}) ${why}; last /health: ${last}\n--- ${proc.outFile}\n${tail(proc.outFile, 60)}`,
  );
}

export async function startServiceProcess(opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const main = builtMainOf(opts.app);
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const [httpFree, rpcFree] = await freePorts(2);
  const httpPort = Number(opts.env['HTTP_PORT'] ?? httpFree);
  const rpcPort = opts.rpc === false ? undefined : Number(opts.env['RPC_PORT'] ?? rpcFree);
  const logFile = opts.logFile ?? join(mkdtempSync(join(tmpdir(), `registrar-${opts.app}-`)), 'service.log');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    HOST: '127.0.0.1',
    ...opts.env,
    HTTP_PORT: String(httpPort),
    ...(rpcPort !== undefined ? { RPC_PORT: String(rpcPort) } : {}),
  };
  const proc = spawnMember(process.execPath, ['--enable-source-maps', ...(opts.nodeArgs ?? []), main], {
    cwd: REPO_ROOT,
    env,
    outFile: logFile,
  });
  const url = `http://127.0.0.1:${httpPort}`;
  const label = `${opts.app} ${opts.env['INSTANCE_ID'] ?? ''}`.trim();
  try {
    await waitForHealth(url, proc, opts.readyTimeoutMs ?? 60_000, label);
  } catch (e) {
    await stopMember(proc, 2_000);
    throw e;
  }
  return {
    app: opts.app,
    pid: proc.pid,
    httpPort,
    rpcPort,
    url,
    logFile,
    process: proc,
    stop: async (graceMs = 5_000) => {
      signal(proc.pid, 'SIGCONT'); // a paused process cannot handle SIGTERM
      await stopMember(proc, graceMs);
    },
    kill: async () => {
      if (proc.hasExited()) return;
      signal(proc.pid, 'SIGKILL');
      await proc.exited;
    },
    pause: () => signal(proc.pid, 'SIGSTOP'),
    resume: () => signal(proc.pid, 'SIGCONT'),
    logTail: (lines = 60) => tail(logFile, lines),
  };
}
