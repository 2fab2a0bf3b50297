/**
 * Processes for gateway tests: the built gateway (dist, through test/support/service-process) and
 * tiny upstream instances, each with its own log file, waited for with bounded waits, stopped by PID.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnMember, type MemberProcess } from '../../support/member-process.js';
import { freePorts } from '../../support/ports.js';
import { REPO_ROOT } from '../../support/registrar-member.js';
import { startServiceProcess } from '../../support/service-process.js';

export interface RunningProcess {
  proc: MemberProcess;
  port: number;
  url: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const logDir = mkdtempSync(join(tmpdir(), 'gateway-test-'));

function running(proc: MemberProcess, port: number): RunningProcess {
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    async kill(signal = 'SIGKILL') {
      if (proc.hasExited()) return;
      process.kill(proc.pid, signal);
      await proc.exited;
    },
  };
}

/** Polls `check` until it returns true, at most `timeoutMs`; throws `what` otherwise. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The built gateway (dist) through the shared service-process helper; waits for its /health. */
export async function startGateway(env: Record<string, string>): Promise<RunningProcess> {
  const svc = await startServiceProcess({
    app: 'gateway',
    rpc: false,
    env: { LOG_FORMAT: 'json', ...env },
    logFile: join(logDir, `gateway-${Date.now()}.log`),
  });
  return running(svc.process, svc.httpPort);
}

export async function startUpstream(opts: {
  connect: string;
  root: string;
  name: string;
  id: string;
}): Promise<RunningProcess> {
  const [port] = await freePorts(1);
  const outFile = join(logDir, `upstream-${opts.id}.log`);
  const proc = spawnMember(process.execPath, ['--import', 'tsx', 'test/gateway/support/tiny-upstream.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CONNECT: opts.connect,
      ROOT: opts.root,
      NAME: opts.name,
      ID: opts.id,
      PORT: String(port),
    },
    outFile,
  });
  const up = running(proc, port!);
  await waitFor(`upstream ${opts.id} (log ${outFile})`, async () => (await fetch(`${up.url}/health`)).ok);
  return up;
}

/** Waits until the gateway's cluster view lists exactly these instance ids for `service`. */
export async function waitForInstances(
  gateway: RunningProcess,
  service: string,
  ids: string[],
): Promise<void> {
  const want = [...ids].sort().join(',');
  await waitFor(`${service} instances [${want}] in the gateway`, async () => {
    const r = await fetch(`${gateway.url}/api/cluster`);
    const body = (await r.json()) as { services: Record<string, { id: string }[]> };
    return (
      (body.services[service] ?? [])
        .map((i) => i.id)
        .sort()
        .join(',') === want
    );
  });
}
