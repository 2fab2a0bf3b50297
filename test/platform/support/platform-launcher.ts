/**
 * Runs `npm start` the way a user does (its own process group, like a terminal job), on a fresh
 * data folder and a port offset whose every port is free, and reads what it prints: the dashboard
 * URL and the credentials. `interrupt()` is Ctrl-C (SIGINT to the process group).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planTopology, type Topology } from '../../../scripts/platform/topology.js';
import { REPO_ROOT } from '../../support/registrar-member.js';

export interface Credentials {
  email: string;
  password: string;
}

export interface RunningPlatform {
  url: string;
  staff: Credentials;
  student: Credentials;
  topology: Topology;
  dataDir: string;
  npm: ChildProcess;
  /** Everything printed so far. */
  output(): string;
  /** Ctrl-C: SIGINT to the whole process group; resolves with npm's exit code. */
  interrupt(): Promise<number | null>;
  /** PIDs of every process below npm (launcher, members, instances, gateway). */
  descendants(): number[];
  /** PID of the coordinator member with this myid. */
  memberPid(myid: number): number | undefined;
  /** PID of the service instance with this INSTANCE_ID (e.g. `course-enrollment-2`). */
  instancePid(name: string): number | undefined;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => res(true)));
  });
}

/** An offset (multiple of 100 in 10000..40000) under which every planned port is free now. */
export async function freePortOffset(members: number, instances: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 10_000 + 100 * Math.floor(Math.random() * 300);
    const t = planTopology({ members, instances, portOffset: offset, dataDir: '/x' });
    const free = await Promise.all(t.ports.map(portFree));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free port offset found');
}

/** Parent of every process, from /proc (Linux). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(name), ppid);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function descendantsOf(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const c of byParent.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function environ(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

export interface StartPlatformOptions {
  members?: number;
  instances?: number;
  /** An existing ensemble for `--coordinator` (then no members are started). */
  coordinator?: string;
  readyTimeoutMs?: number;
  /** Echo npm start's output to the test's stdout. */
  echo?: boolean;
}

export async function startPlatform(opts: StartPlatformOptions = {}): Promise<RunningPlatform> {
  const members = opts.members ?? 3;
  const instances = opts.instances ?? 2;
  const offset = await freePortOffset(members, instances);
  const dataDir = mkdtempSync(join(tmpdir(), 'registrar-platform-'));
  const env = { ...process.env };
  delete env['REGISTRAR_ADMIN_PASSWORD']; // the generated password must be printed
  delete env['REGISTRAR_ADMIN_EMAIL'];
  const args = ['--data', dataDir, '--port-offset', String(offset), '--members', String(members)];
  args.push('--instances', String(instances));
  if (opts.coordinator !== undefined) args.push('--coordinator', opts.coordinator);
  const npm = spawn('npm', ['start', '--', ...args], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const onData = (c: Buffer) => {
    out += c.toString();
    if (opts.echo) process.stdout.write(c);
  };
  npm.stdout!.on('data', onData);
  npm.stderr!.on('data', onData);
  const exited = new Promise<number | null>((res) => npm.once('exit', (code) => res(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 300_000);
  while (!/\[start\] READY /.test(out)) {
    if (hasExited) throw new Error(`npm start exited before it was ready:\n${out.slice(-4000)}`);
    if (/start-up failed/.test(out) || Date.now() > deadline) {
      try {
        process.kill(-npm.pid!, 'SIGINT');
      } catch {
        // gone
      }
      await exited;
      throw new Error(`npm start did not become ready:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const cred = (label: string): Credentials => {
    const m = new RegExp(`${label} login\\s+(\\S+) / (\\S+)`).exec(out);
    if (!m) throw new Error(`no ${label} credentials in the output`);
    return { email: m[1]!, password: m[2]! };
  };
  const url = `http://127.0.0.1:${3000 + offset}`;
  if (!out.includes(`Dashboard     ${url}/`)) throw new Error(`the dashboard URL ${url}/ was not printed`);
  const topology = planTopology({
    members,
    instances,
    portOffset: offset,
    dataDir,
    coordinator: opts.coordinator,
  });
  return {
    url,
    staff: cred('Staff'),
    student: cred('Student'),
    topology,
    dataDir,
    npm,
    output: () => out,
    async interrupt() {
      if (!hasExited) process.kill(-npm.pid!, 'SIGINT');
      return exited;
    },
    descendants: () => descendantsOf(npm.pid!),
    instancePid(name) {
      return descendantsOf(npm.pid!).find((pid) => environ(pid).includes(`INSTANCE_ID=${name}`));
    },
    memberPid(myid) {
      return descendantsOf(npm.pid!).find((pid) => cmdline(pid).includes(`coordinator-${myid}/zoo.cfg`));
    },
  };
}
