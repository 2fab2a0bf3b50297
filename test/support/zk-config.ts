import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Quorum addresses of one ensemble member, as written on a `server.N=` line. */
export interface ServerLine {
  id: number;
  quorumPort: number;
  electionPort: number;
  clientPort: number;
}

/** Everything needed to write one member's zoo.cfg (the format Apache ZooKeeper and Registrar both read). */
export interface MemberSpec {
  /** myid; only written when `servers` is non-empty (an ensemble). */
  myid: number;
  clientPort: number;
  /** All members of the ensemble including this one; empty or absent means standalone. */
  servers?: ServerLine[];
  tickTime?: number;
  minSessionTimeout?: number;
  maxSessionTimeout?: number;
  maxClientCnxns?: number;
  /** Admin HTTP port; when absent the admin server is disabled. */
  adminPort?: number;
  juteMaxBuffer?: number;
  /** Extra `key=value` lines, written last. */
  extra?: Record<string, string | number>;
  /** Apache only: JVM flags profile (see StartOptions.apacheJvm). */
  apacheJvm?: 'test' | 'stock';
  /** Registrar only: source (tsx) or built output (see StartOptions.registrarFrom). */
  registrarFrom?: 'source' | 'dist';
  /** Registrar only: extra environment for the member process. */
  env?: Record<string, string>;
}

/** Paths of a written member configuration. */
export interface MemberFiles {
  /** Fresh temp directory owning everything below. */
  dir: string;
  cfgPath: string;
  dataDir: string;
  dataLogDir: string;
  /** Suggested file for the process's own log (log4j for Apache, stdout/stderr otherwise). */
  logFile: string;
}

/** Renders zoo.cfg text for a member spec. Pure, so tests can assert on it. */
export function renderZooCfg(spec: MemberSpec, dataDir: string, dataLogDir: string): string {
  const lines: string[] = [
    `tickTime=${spec.tickTime ?? 2000}`,
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${dataDir}`,
    `dataLogDir=${dataLogDir}`,
    `clientPort=${spec.clientPort}`,
    'clientPortAddress=127.0.0.1',
    `maxClientCnxns=${spec.maxClientCnxns ?? 0}`,
    '4lw.commands.whitelist=*',
  ];
  if (spec.minSessionTimeout !== undefined) lines.push(`minSessionTimeout=${spec.minSessionTimeout}`);
  if (spec.maxSessionTimeout !== undefined) lines.push(`maxSessionTimeout=${spec.maxSessionTimeout}`);
  if (spec.adminPort !== undefined) {
    lines.push(
      'admin.enableServer=true',
      'admin.serverAddress=127.0.0.1',
      `admin.serverPort=${spec.adminPort}`,
    );
  } else {
    lines.push('admin.enableServer=false');
  }
  if (spec.juteMaxBuffer !== undefined) lines.push(`jute.maxbuffer=${spec.juteMaxBuffer}`);
  for (const s of spec.servers ?? []) {
    // The ";host:port" suffix is 3.5+'s dynamic-config syntax for the client address; it keeps every
    // member's client port visible in /zookeeper/config, which Curator's EnsembleTracker reads.
    lines.push(`server.${s.id}=127.0.0.1:${s.quorumPort}:${s.electionPort};127.0.0.1:${s.clientPort}`);
  }
  for (const [key, value] of Object.entries(spec.extra ?? {})) lines.push(`${key}=${value}`);
  return lines.join('\n') + '\n';
}

/**
 * Writes zoo.cfg (and myid for ensemble members) into a fresh temp directory.
 *
 * @example
 * const files = writeZkConfig({ myid: 1, clientPort: await freePort() });
 * // files.cfgPath -> /tmp/registrar-zk-XXXX/zoo.cfg
 */
export function writeZkConfig(spec: MemberSpec, prefix = 'registrar-zk-'): MemberFiles {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dataDir = join(dir, 'data');
  const dataLogDir = join(dir, 'datalog');
  mkdirSync(dataDir);
  mkdirSync(dataLogDir);
  if ((spec.servers ?? []).length > 0) writeFileSync(join(dataDir, 'myid'), `${spec.myid}\n`);
  const cfgPath = join(dir, 'zoo.cfg');
  writeFileSync(cfgPath, renderZooCfg(spec, dataDir, dataLogDir));
  return { dir, cfgPath, dataDir, dataLogDir, logFile: join(dir, 'member.log') };
}
