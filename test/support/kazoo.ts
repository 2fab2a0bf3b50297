import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter: it has python3-kazoo. A bare `python3` on PATH may be another Python. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

/** Folder of the kazoo scripts. */
export const KAZOO_SCRIPTS_DIR = fileURLToPath(new URL('../interop/python/', import.meta.url));

export interface KazooRun<T> {
  /** The JSON summary (last stdout line). */
  summary: T;
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * Runs `test/interop/python/<script>` with Debian's python3 and the connect string as first argument,
 * and parses the JSON summary it prints last. Rejects with stdout/stderr on a non-zero exit.
 *
 * @example const { summary } = await runKazooScript<{ overlaps: number }>('lock.py', zk.connectString);
 */
export function runKazooScript<T = Record<string, unknown>>(
  script: string,
  connectString: string,
  args: string[] = [],
  timeoutMs = 120_000,
): Promise<KazooRun<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(DEBIAN_PYTHON, [script, connectString, ...args], {
      cwd: KAZOO_SCRIPTS_DIR,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${script} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${script} exited ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      try {
        resolve({ summary: JSON.parse(last) as T, stdout, stderr, exitCode: code });
      } catch {
        reject(new Error(`${script} printed no JSON summary\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }
    });
  });
}
