import type { MemberFiles, MemberSpec, ServerLine } from './zk-config.js';
import { freePorts } from './ports.js';

/** One running (or stopped) member of a test ensemble. */
export interface EnsembleMember {
  /** myid (1-based). */
  id: number;
  /** PID of the current process; changes on restart. */
  pid: number;
  clientPort: number;
  quorumPort?: number;
  electionPort?: number;
  adminPort?: number;
  /** Temp directory with zoo.cfg, data, logs. */
  files: MemberFiles;
  running: boolean;
}

/** What every target's `start()` returns: a standalone server or an ensemble of processes. */
export interface Ensemble {
  /** `127.0.0.1:p1,127.0.0.1:p2,...` */
  connectString: string;
  members: EnsembleMember[];
  /** SIGTERM every member, SIGKILL after a bound; by PID only. Idempotent. */
  stop(): Promise<void>;
  /** Sends `signal` (default SIGKILL) to member i (0-based) and waits for it to exit. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Stops member i if running and starts it again with the same config and data. */
  restart(i: number): Promise<void>;
}

/** Options accepted by every target's `start()`. */
export interface StartOptions {
  /** Number of members; 1 (default) means standalone. */
  members?: number;
  tickTime?: number;
  minSessionTimeout?: number;
  maxSessionTimeout?: number;
  /** Give each member an admin HTTP port (Apache: AdminServer). */
  admin?: boolean;
  /** Readiness bound per member, ms. */
  readyTimeoutMs?: number;
  extra?: Record<string, string | number>;
  /**
   * Apache ZooKeeper only. 'test' (default) starts the JVM for quick start-up in tests (small heap,
   * serial GC, C1 only); 'stock' uses the JVM's defaults, as Debian's zkServer.sh does
   * (JAVA_OPTS=""): benchmarks must use 'stock' so Apache is not handicapped.
   */
  apacheJvm?: 'test' | 'stock';
  /**
   * Registrar only: run the member from source through tsx (default), or from the tsc output in
   * dist/ (`npm run build` first) as production does: benchmarks use 'dist'.
   */
  registrarFrom?: 'source' | 'dist';
  /** Registrar only: extra environment for every member process (e.g. REGISTRAR_PLANTED_BUGS). */
  env?: Record<string, string>;
}

/** Picks ports for `n` members and returns their specs (server lines only when n > 1). */
export async function planMembers(opts: StartOptions): Promise<MemberSpec[]> {
  const n = opts.members ?? 1;
  const ports = await freePorts(n * 4);
  const lines: ServerLine[] = Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    clientPort: ports[i * 4]!,
    quorumPort: ports[i * 4 + 1]!,
    electionPort: ports[i * 4 + 2]!,
  }));
  return lines.map((line, i) => ({
    myid: line.id,
    clientPort: line.clientPort,
    servers: n > 1 ? lines : [],
    tickTime: opts.tickTime,
    minSessionTimeout: opts.minSessionTimeout,
    maxSessionTimeout: opts.maxSessionTimeout,
    adminPort: opts.admin ? ports[i * 4 + 3] : undefined,
    extra: opts.extra,
    apacheJvm: opts.apacheJvm,
    registrarFrom: opts.registrarFrom,
    env: opts.env,
  }));
}

/** `127.0.0.1:p1,127.0.0.1:p2` for the given members. */
export function connectStringOf(members: { clientPort: number }[]): string {
  return members.map((m) => `127.0.0.1:${m.clientPort}`).join(',');
}
