/**
 * Starts bench/write-floor-server.ts as its own process on loopback (its CPU and memory come from
 * /proc like the real servers') and stops exactly that process, by PID, within a bound.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the coordinator bench needs of a server it measures. */
export interface BenchedServer {
  connectString: string;
  members: { pid: number }[];
  stop(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./write-floor-server.ts', import.meta.url));
const START_BOUND_MS = 20_000;
const STOP_BOUND_MS = 5_000;

export async function startWriteFloor(): Promise<BenchedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-write-floor-'));
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('write floor server did not start')), START_BOUND_MS);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`write floor server exited (${code}) before listening`)));
  });
  let stopped: Promise<void> | undefined;
  return {
    connectString: `127.0.0.1:${port}`,
    members: [{ pid: child.pid! }],
    stop() {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), STOP_BOUND_MS);
        await exited;
        clearTimeout(killer);
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
