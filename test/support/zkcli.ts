import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEBIAN_ZOOKEEPER, debianZooKeeperClasspath, writeLog4jConfig } from './apache-zookeeper.js';

/** A watch event zkCli printed (`WatchedEvent state:S type:T path:P`). */
export interface ZkCliEvent {
  state: string;
  type: string;
  path: string | null;
}

/** Result of one zkCli run. */
export interface ZkCliResult {
  /** Raw stdout (with stderr folded in when `mergeStderr`). */
  stdout: string;
  /** Raw stderr ('' when `mergeStderr`). */
  stderr: string;
  exitCode: number | null;
  /** stdout without banner lines and without watch-event blocks. */
  output: string;
  /** `output` split into lines, trailing blank lines dropped. */
  lines: string[];
  /** Watch events in the order printed, excluding the connection's own None-type events. */
  events: ZkCliEvent[];
}

export interface ZkCliOptions {
  /** host:port (or a connect string). */
  server: string;
  /** One command given on the command line (zkCli runs it and exits with its status). */
  args?: string[];
  /** Commands fed on stdin, one per line; `quit` is appended. */
  script?: string[];
  /**
   * Fold stderr into stdout at the file-descriptor level so the order of lines is kept (zkCli 3.8 prints
   * `Created /x` and most errors to stderr, results to stdout). Default true.
   */
  mergeStderr?: boolean;
  timeoutMs?: number;
}

let log4jDir: string | undefined;

/** A log4j.properties with the root logger OFF, shared by every zkCli run of this process. */
function silentLog4j(): string {
  log4jDir ??= mkdtempSync(join(tmpdir(), 'registrar-zkcli-'));
  return writeLog4jConfig(log4jDir);
}

const BANNER = [
  /^Connecting to \S+$/,
  /^Welcome to ZooKeeper!$/,
  /^JLine support is (disabled|enabled)$/,
  /^SLF4J: /,
];
const EVENT_LINE = /^WatchedEvent state:(\S+) type:(\S+) path:(\S+)$/;

/**
 * Splits zkCli stdout into command output and watch events (pure). zkCli prints an event as four
 * println calls from its event thread ("", "WATCHER::", "", "WatchedEvent ..."), which can interleave
 * with the main thread's lines, so events are removed line by line rather than as one block.
 */
export function parseZkCliOutput(stdout: string): { output: string; events: ZkCliEvent[] } {
  const lines = stdout.split('\n');
  const drop = new Set<number>();
  const events: ZkCliEvent[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (BANNER.some((re) => re.test(lines[i]!))) drop.add(i);
    if (lines[i] !== 'WATCHER::') continue;
    drop.add(i);
    if (i > 0 && lines[i - 1] === '' && !drop.has(i - 1)) drop.add(i - 1);
    let blankTaken = false;
    for (let j = i + 1; j < lines.length; j++) {
      if (!blankTaken && lines[j] === '' && !drop.has(j)) {
        drop.add(j);
        blankTaken = true;
        continue;
      }
      const m = EVENT_LINE.exec(lines[j]!);
      if (m !== null) {
        drop.add(j);
        if (m[2] !== 'None') events.push({ state: m[1]!, type: m[2]!, path: m[3] === 'null' ? null : m[3]! });
        break;
      }
    }
  }
  const output = lines.filter((_, i) => !drop.has(i)).join('\n');
  return { output, events };
}

/**
 * Runs Debian's `/usr/share/zookeeper/bin/zkCli.sh -server <server> ...` non-interactively: either one
 * command on the command line (`args`) or a script on stdin (`script`, each line a command, one session).
 * Logging is silenced through a log4j config (the JVMFLAGS `-cp` replaces zkEnv.sh's classpath with the
 * same one plus the log4j binding; the last `-cp` wins for the java launcher).
 *
 * @example
 * const r = await runZkCli({ server: '127.0.0.1:2181', script: ['create /a x', 'get /a'] });
 * r.lines // ['Created /a', 'x']
 */
export function runZkCli(opts: ZkCliOptions): Promise<ZkCliResult> {
  const merge = opts.mergeStderr ?? true;
  const jvmFlags = [
    '-cp',
    debianZooKeeperClasspath(),
    `-Dlog4j.configuration=file:${silentLog4j()}`,
    '-XX:TieredStopAtLevel=1',
    '-Xshare:auto',
  ].join(' ');
  const cliArgs = ['-server', opts.server, ...(opts.args ?? [])];
  // bash's `exec ... 2>&1` makes stdout and stderr one pipe, so their relative order survives.
  const command = merge
    ? ['bash', ['-c', 'exec "$0" "$@" 2>&1', DEBIAN_ZOOKEEPER.zkCli, ...cliArgs]]
    : [DEBIAN_ZOOKEEPER.zkCli, cliArgs];
  const [file, argv] = command as [string, string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      env: { ...process.env, JVMFLAGS: jvmFlags, CLIENT_JVMFLAGS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`zkCli timed out after ${timeoutMs} ms; output so far:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const { output, events } = parseZkCliOutput(stdout);
      const lines = output.split('\n');
      while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
      resolve({ stdout, stderr, exitCode: code, output, lines, events });
    });
    const script = opts.script === undefined ? '' : [...opts.script, 'quit'].join('\n') + '\n';
    child.stdin.end(script);
  });
}

const STEP_MARKER = '/__zkcli_step__';
const STEP_LINE = /^Node does not exist: \/__zkcli_step__\/(\d+)$/;

/** Output of one command in a `runZkCliSteps` session. */
export interface ZkCliStep {
  command: string;
  lines: string[];
}

/**
 * Runs `commands` in ONE zkCli session and returns each command's own output lines. Between commands
 * it issues `stat /__zkcli_step__/<n>`, whose "Node does not exist" answer marks where the previous
 * command's output ended (zkCli has no echo command).
 *
 * @example
 * const { steps } = await runZkCliSteps(server, ['create /a', 'get /a']);
 * steps[1].lines // ['null']
 */
export async function runZkCliSteps(
  server: string,
  commands: string[],
  timeoutMs?: number,
): Promise<{ steps: ZkCliStep[]; events: ZkCliEvent[]; raw: ZkCliResult }> {
  const script = commands.flatMap((c, i) => [c, `stat ${STEP_MARKER}/${i}`]);
  const raw = await runZkCli({ server, script, timeoutMs });
  const steps: ZkCliStep[] = commands.map((command) => ({ command, lines: [] }));
  let current = 0;
  for (const line of raw.output.split('\n')) {
    const m = STEP_LINE.exec(line);
    if (m !== null) {
      current = Number(m[1]) + 1;
      continue;
    }
    if (current < steps.length) steps[current]!.lines.push(line);
  }
  return { steps, events: raw.events, raw };
}

/**
 * Replaces the values that legitimately differ between runs and servers (zxids, times, session ids)
 * with placeholders, so transcripts can be compared exactly.
 */
export function normalizeZkCliOutput(text: string): string {
  return text
    .replace(/^(cZxid|mZxid|pZxid) = 0x[0-9a-f]+$/gm, '$1 = <zxid>')
    .replace(/^(ctime|mtime) = .+$/gm, '$1 = <time>')
    .replace(/^ephemeralOwner = 0x(?!0$)[0-9a-f]+$/gm, 'ephemeralOwner = <session>');
}
