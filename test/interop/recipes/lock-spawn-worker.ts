/** Spawns TypeScript workers as separate Node processes and tracks them so tests kill them by PID. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../../support/registrar-member.js';

export interface Worker {
  child: ChildProcess;
  pid: number;
  /** Lines printed on stdout so far. */
  lines: string[];
  stderr: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves with the first stdout line matching `pred`. */
  waitLine(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

const live = new Set<Worker>();

/** Starts `node --import tsx <file> <jsonArgs>` from the repo root. */
export function spawnWorker(file: string, jsonArgs: unknown): Worker {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(jsonArgs)], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      // Backwards, since matched waiters are removed while iterating.
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i]!;
        if (w.pred(line)) {
          waiters.splice(i, 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const worker: Worker = {
    child,
    pid: child.pid!,
    lines,
    stderr: () => err,
    exited: new Promise((resolve) =>
      child.once('exit', (code) => {
        live.delete(worker);
        resolve(code);
      }),
    ),
    waitLine(pred, timeoutMs = 30_000) {
      const seen = lines.find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `worker ${file} printed no matching line in ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${err}`,
              ),
            ),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
  live.add(worker);
  return worker;
}

/** SIGKILLs (by PID) every worker this module started that is still running. */
export async function killAllWorkers(): Promise<void> {
  const running = [...live];
  for (const w of running) {
    try {
      process.kill(w.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.all(running.map((w) => w.exited));
}
