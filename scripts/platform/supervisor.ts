/**
 * Starts and stops the platform's child processes. Every child's output is streamed line by line
 * with its name in front (and kept in `<data>/logs/<name>.log`); a child that exits while we are not
 * stopping is reported loudly and NOT restarted (a silent restart would hide the failure); stopping
 * signals each child by its PID, newest first, and escalates to SIGKILL after a bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { LinePrefixer, prefixOf } from './line-prefixer.js';

export interface Managed {
  name: string;
  pid: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

export interface SupervisorOptions {
  logDir: string;
  color: boolean;
  /** Where prefixed lines go (stdout by default). */
  write?: (line: string) => void;
  /** Called when a child dies on its own. */
  onUnexpectedExit?: (m: Managed, code: number | null, signal: NodeJS.Signals | null) => void;
}

export class Supervisor {
  private readonly children: Managed[] = [];
  private stopping = false;
  private readonly write: (line: string) => void;

  constructor(private readonly opts: SupervisorOptions) {
    this.write = opts.write ?? ((line) => process.stdout.write(line + '\n'));
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** The children still running. */
  running(): Managed[] {
    return this.children.filter((c) => !c.hasExited());
  }

  start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Managed {
    // Each child in its own process group: a Ctrl-C in the terminal reaches only us, and we stop the
    // children in order (gateway, services, then the coordinators they must unregister from). Were
    // they in the terminal's group, the members would die at once and every service would wait out
    // its session close against a coordinator that is already gone.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    const log: WriteStream = createWriteStream(join(this.opts.logDir, `${name}.log`), { flags: 'a' });
    const prefixer = new LinePrefixer(prefixOf(name, this.children.length, this.opts.color), this.write);
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      prefixer.push(chunk);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    let done = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        prefixer.flush();
        log.end();
        resolve({ code, signal });
      });
    });
    const managed: Managed = { name, pid: child.pid, child, exited, hasExited: () => done };
    this.children.push(managed);
    void exited.then(({ code, signal }) => {
      if (!this.stopping) this.opts.onUnexpectedExit?.(managed, code, signal);
    });
    return managed;
  }

  /** SIGTERM every child (newest first, so the gateway goes before the services before the coordinators). */
  async stopAll(graceMs: number, report: (line: string) => void = () => {}): Promise<void> {
    this.stopping = true;
    for (const c of [...this.children].reverse()) {
      if (c.hasExited()) continue;
      const started = Date.now();
      signal(c.pid, 'SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        signal(c.pid, 'SIGKILL');
      }, graceMs);
      await c.exited;
      clearTimeout(timer);
      const took = ((Date.now() - started) / 1000).toFixed(1);
      report(
        killed
          ? `${c.name} did not stop within ${graceMs / 1000} s: killed`
          : `stopped ${c.name} (${took} s)`,
      );
    }
  }

  /** Last resort (second Ctrl-C, or our own crash): SIGKILL whatever still runs. */
  killAll(): void {
    this.stopping = true;
    for (const c of this.children) if (!c.hasExited()) signal(c.pid, 'SIGKILL');
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
