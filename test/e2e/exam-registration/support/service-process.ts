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

export async function startService(
  app: 'exam-registration' | 'course-enrollment',
  env: Record<string, string>,
  opts: { instanceId?: string; readyTimeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const [httpPort, rpcPort] = (await freePorts(2)) as [number, number];
  const instanceId = opts.instanceId ?? `${app}-${httpPort}`;
  const logFile = join(logDir, `${instanceId}.log`);
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
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (proc.hasExited()) throw new Error(`${instanceId} exited during start-up:\n${tail(logFile)}`);
    const ok = await fetch(`${url}/health`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stopMember(proc, 2_000);
      throw new Error(`${instanceId} not healthy within the bound:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name: app,
    instanceId,
    httpPort,
    rpcPort,
    url,
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
