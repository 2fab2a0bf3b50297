/**
 * The operator commands (ZooKeeper's four-letter words and AdminServer /commands): each command
 * computes one plain data object; `four-letter-format.ts` renders it as ZooKeeper's text, and the
 * admin HTTP port serves it as JSON, so both views always agree.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { formatSessionId } from '../session/session-id.js';
import type { Member } from './member.js';

export const SERVER_VERSION = '3.8.0-registrar-0.1.0';

export interface ConnectionInfo {
  remote: string;
  sessionId: bigint;
  outstanding: number;
  packetsReceived: number;
  packetsSent: number;
  lastOp: string;
  timeoutMs: number;
  lastZxidSent: number;
  connectedAt: number;
}

export interface CommandSource {
  member: Member;
  mode(): 'standalone' | 'leader' | 'follower' | 'observer' | 'looking';
  connections(): ConnectionInfo[];
  /** extra ensemble facts (ZAB): shown by srvr/mntr when present. */
  ensemble?(): Record<string, string | number>;
  /** tree digest for mntr (undefined: not shown) */
  treeDigest?(): string | undefined;
}

export const hex = (n: number): string => '0x' + n.toString(16);

export function serverStats(src: CommandSource) {
  const m = src.member;
  const s = m.stats;
  const avg = s.latencyCount === 0 ? 0 : s.totalLatency / s.latencyCount;
  return {
    version: SERVER_VERSION,
    server_state: src.mode(),
    min_latency: s.latencyCount === 0 ? 0 : s.minLatency,
    avg_latency: Math.round(avg * 1000) / 1000,
    max_latency: s.maxLatency,
    packets_received: s.packetsReceived,
    packets_sent: s.packetsSent,
    num_alive_connections: src.connections().length,
    outstanding_requests: s.outstanding,
    last_zxid: m.lastZxid,
    current_epoch: m.currentEpoch,
    // ZooKeeper's DataTree keys the root under both "" and "/", so its count is one higher than
    // the number of znodes; dashboards built for ZooKeeper expect that figure.
    znode_count: m.db.tree.nodeCount + 1,
    watch_count: m.db.tree.watchCount,
    ephemerals_count: m.db.tree.ephemeralCount,
    approximate_data_size: m.db.tree.approximateDataSize,
    global_sessions: m.db.sessions.size,
    txns_committed: s.txnsCommitted,
    fsync_count: m.log.stats.fsyncs,
    ...s.fsyncTime.rows(),
    ...s.syncBatchSize.rows(),
    snapshots_taken: s.snapshotsTaken,
    uptime_ms: m.clock.now() - s.startedAt,
    open_file_descriptor_count: openFileDescriptors(),
    max_file_descriptor_count: maxFileDescriptors(),
  };
}

function openFileDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

function maxFileDescriptors(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

export function configData(m: Member) {
  const c = m.config;
  return {
    clientPort: c.clientPort,
    clientPortAddress: c.clientPortAddress,
    dataDir: m.snapDir,
    dataLogDir: m.logDir,
    tickTime: c.tickTime,
    initLimit: c.initLimit,
    syncLimit: c.syncLimit,
    maxClientCnxns: c.maxClientCnxns,
    minSessionTimeout: c.minSessionTimeout,
    maxSessionTimeout: c.maxSessionTimeout,
    serverId: c.myId,
    snapCount: c.snapCount,
    'jute.maxbuffer': c.maxPacket,
    'autopurge.snapRetainCount': c.autopurgeSnapRetainCount,
    'autopurge.purgeInterval': c.autopurgePurgeInterval,
    peers: c.peers.map(
      (p) =>
        `server.${p.id}=${p.host}:${p.quorumPort}:${p.electionPort}${p.observer ? ':observer' : ':participant'}`,
    ),
  };
}

export function environmentData() {
  return {
    'zookeeper.version': SERVER_VERSION,
    'host.name': os.hostname(),
    'node.version': process.version,
    // Tools written for ZooKeeper look for this key; there is no JVM here.
    'java.version': `none (Node.js ${process.version})`,
    'os.name': os.type(),
    'os.arch': os.arch(),
    'os.version': os.release(),
    'user.name': os.userInfo().username,
    'user.dir': process.cwd(),
    'process.pid': process.pid,
    'os.memory.free': `${Math.round(os.freemem() / 1048576)}MB`,
    'os.memory.total': `${Math.round(os.totalmem() / 1048576)}MB`,
  };
}

export function connectionsData(src: CommandSource) {
  return src.connections().map((c) => ({
    has_session: c.sessionId !== 0n,
    remote_socket_address: c.remote,
    session_id: formatSessionId(c.sessionId),
    outstanding_requests: c.outstanding,
    packets_received: c.packetsReceived,
    packets_sent: c.packetsSent,
    last_operation: c.lastOp,
    session_timeout: c.timeoutMs,
    last_zxid: hex(c.lastZxidSent),
    established: new Date(c.connectedAt).toISOString(),
  }));
}

export function dumpData(m: Member) {
  const sessions: Record<string, string[]> = {};
  for (const s of m.db.sessions.values()) {
    const paths = m.db.tree.ephemerals(s.id, '/');
    if (paths.length > 0) sessions[formatSessionId(s.id)] = paths.sort();
  }
  const expiry = [...m.tracker.ids()].map((id) => ({
    session_id: formatSessionId(id),
    expires_at: m.tracker.get(id)!.expiresAt,
    timeout: m.tracker.get(id)!.timeoutMs,
  }));
  return { expiry_time_to_session_ids: expiry, session_id_to_ephemeral_paths: sessions };
}

export function watchSummaryData(m: Member) {
  const w = m.db.tree.watchSummary();
  return { num_connections: w.connections, num_paths: w.paths, num_total_watches: w.total };
}
