/**
 * Runs a service from the tsc build (`node dist/apps/<app>/src/main.js`) as a real process on
 * loopback, waits (bounded) for `GET /health` to answer 200, and stops it by PID only.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  spawnMember,
  stopMember,
  signal,
  tail,
  type MemberProcess,
} from '../../../support/member-process.js';
import { freePorts } from '../../../support/ports.js';
import { REPO_ROOT } from '../../../support/registrar-member.js';

export interface ServiceProcess {
  name: string;
  instanceId: string;
  httpPort: number;
  rpcPort: number;
  url: string;
  pid: number;
  logFile: string;
  process: MemberProcess;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const logDir = mkdtempSync(join(tmpdir(), 'registrar-e2e-services-'));

/** Spawns a service process without waiting for it (see startService for the waiting kind). */
export async function spawnService(
  app: 'exam-registration' | 'course-enrollment',
  env: Record<string, string>,
  opts: { instanceId?: string; logFile?: string } = {},
): Promise<ServiceProcess> {
  const [httpPort, rpcPort] = (await freePorts(2)) as [number, number];
  const instanceId = opts.instanceId ?? `${app}-${httpPort}`;
  const logFile = opts.logFile ?? join(logDir, `${instanceId}.log`);
  const proc = spawnMember(process.execPath, [`dist/apps/${app}/src/main.js`], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      RPC_PORT: String(rpcPort),
      INSTANCE_ID: instanceId,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      ...env,
    },
    outFile: logFile,
  });
  return {
    name: app,
    instanceId,
    httpPort,
    rpcPort,
    url: `http://127.0.0.1:${httpPort}`,
    pid: proc.pid,
    logFile,
    process: proc,
    stop: () => stopMember(proc, 10_000),
    kill: async () => {
      if (proc.hasExited()) return;
      signal(proc.pid, 'SIGKILL');
      await proc.exited;
    },
  };
}

export async function startService(
  app: 'exam-registration' | 'course-enrollment',
  env: Record<string, string>,
  opts: { instanceId?: string; readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const svc = await spawnService(app, env, opts);
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (svc.process.hasExited())
      throw new Error(`${svc.instanceId} exited during start-up:\n${tail(svc.logFile)}`);
    const ok = await fetch(`${svc.url}/health`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return svc;
    if (Date.now() > deadline) {
      await stopMember(svc.process, 2_000);
      throw new Error(`${svc.instanceId} not healthy within the bound:\n${tail(svc.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
