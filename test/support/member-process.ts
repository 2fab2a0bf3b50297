import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { fourLetterWord } from './four-letter-word.js';

/** A started member process and the files it writes to. */
export interface MemberProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** File receiving the process's stdout and stderr. */
  readonly outFile: string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

// Every process we start, so that an aborted test run still kills them on the way out (by PID only).
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
}

/**
 * Spawns a long-running member with stdout+stderr appended to `outFile` (not piped, so a chatty member
 * can never block on a full pipe), and tracks it for clean-up.
 */
export function spawnMember(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; outFile: string },
): MemberProcess {
  installExitHook();
  const fd = openSync(opts.outFile, 'a');
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  live.add(child);
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      live.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', () => {
      done = true;
      live.delete(child);
      resolve('spawn-error');
    });
  });
  return { child, pid: child.pid, outFile: opts.outFile, exited, hasExited: () => done };
}

/**
 * Stops one process by PID: SIGTERM, then SIGKILL if it has not exited within `graceMs`. Never signals
 * anything but that PID.
 */
export async function stopMember(member: MemberProcess, graceMs = 5000): Promise<void> {
  if (member.hasExited()) return;
  signal(member.pid, 'SIGTERM');
  const timedOut = await Promise.race([
    member.exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), graceMs)),
  ]);
  if (timedOut && !member.hasExited()) {
    signal(member.pid, 'SIGKILL');
    await member.exited;
  }
}

/** Sends a signal to one PID, ignoring "no such process". */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Last `lines` lines of a text file, for error messages. */
export function tail(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no file ${file})`;
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the member answers `ruok` with `imok` and (when `needServing`) `srvr` reports a mode,
 * i.e. the member is actually serving clients (an ensemble member answers `ruok` before it has joined a
 * quorum). Fails with the tail of the member's logs if it exits or the bound passes.
 */
export async function waitUntilServing(
  member: MemberProcess,
  clientPort: number,
  opts: { timeoutMs?: number; logFiles?: string[]; label: string; needServing?: boolean },
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last = '';
  while (Date.now() < deadline) {
    if (member.hasExited()) break;
    try {
      last = await fourLetterWord(clientPort, 'ruok', '127.0.0.1', 2000);
      if (last === 'imok') {
        if (opts.needServing === false) return;
        last = await fourLetterWord(clientPort, 'srvr', '127.0.0.1', 2000);
        if (/^Mode: /m.test(last)) return;
      }
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(150);
  }
  const why = member.hasExited() ? `exited (${String(await member.exited)})` : 'did not become ready in time';
  const logs = [member.outFile, ...(opts.logFiles ?? [])].map((f) => `--- ${f}\n${tail(f)}`).join('\n');
  throw new Error(
    `${opts.label} (pid ${member.pid}, port ${clientPort}) ${why}; last answer: ${last}\n${logs}`,
  );
}
