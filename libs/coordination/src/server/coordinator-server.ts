/**
 * A running member: the client port, the admin HTTP port and the member behind them.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { hex, type CommandSource, type ConnectionInfo } from './admin-commands.js';
import { startAdminHttp } from './admin-http.js';
import { ClientConnection, type ConnectionHost } from './client-connection.js';
import { renderFourLetterWord } from './four-letter-format.js';
import { Member } from './member.js';
import type { MemberDeps } from './member-deps.js';
import type { MemberConfig } from './member-config.js';
import { MemberMetrics } from './metrics.js';

/** Nodes hashed per turn while the digest's first sum is built (~3 us each: ~15 ms a slice). */
const DIGEST_SLICE_NODES = 5_000;

/** Words ZooKeeper answers only while serving (they read the database or the mode). */
const NEEDS_SERVING = new Set([
  'srvr',
  'stat',
  'mntr',
  'cons',
  'dump',
  'wchs',
  'wchc',
  'wchp',
  'crst',
  'srst',
]);

export class CoordinatorServer implements ConnectionHost, CommandSource {
  readonly member: Member;
  readonly metrics: MemberMetrics;
  private clientServer?: Server;
  private adminServer?: HttpServer;
  private readonly open = new Set<ClientConnection>();
  private readonly perIp = new Map<string, number>();
  /** the next slice of the digest's first sum, while one is being built */
  private digestSlice: NodeJS.Immediate | undefined;
  private stopping = false;

  constructor(
    readonly config: MemberConfig,
    deps: Partial<MemberDeps> = {},
  ) {
    this.member = new Member(config, deps);
    this.metrics = new MemberMetrics(this);
  }

  /** Recover, then listen. Resolves with the bound client port (useful with clientPort=0). */
  async start(): Promise<{ clientPort: number; adminPort?: number }> {
    this.member.events = {
      servingChanged: (serving) => {
        // A member that cannot serve drops its clients so they move to one that can (ZooKeeper does
        // the same when a member leaves the quorum).
        if (!serving) for (const c of [...this.open]) c.close();
      },
      electionTime: (ms) => this.metrics.electionTime.observe(ms / 1000),
      proposalLatency: (ms) => this.metrics.proposalLatency.observe(ms / 1000),
      requestAnswered: (op, ms) => this.metrics.requestLatency.observe(ms / 1000, op),
    };
    await this.member.start();
    const stats = this.member.stats;
    this.member.log.onFsync = (ms) => {
      this.metrics.fsyncLatency.observe(ms / 1000);
      stats.fsyncTime.observe(ms);
    };
    // As ZooKeeper's SyncRequestProcessor counts each flush, with forceSync=no too.
    this.member.log.onBatch = (entries) => stats.syncBatchSize.observe(entries);
    this.clientServer = createServer((socket) => this.accept(socket));
    const clientPort = await new Promise<number>((resolve, reject) => {
      this.clientServer!.once('error', reject);
      this.clientServer!.listen(this.config.clientPort, this.config.clientPortAddress, () => {
        const addr = this.clientServer!.address();
        resolve(typeof addr === 'object' && addr ? addr.port : this.config.clientPort);
      });
    });
    let adminPort: number | undefined;
    if (this.config.adminEnabled) {
      this.adminServer = await startAdminHttp(
        this,
        this.metrics,
        this.config.adminServerAddress,
        this.config.adminServerPort,
      );
      const a = this.adminServer.address();
      adminPort = typeof a === 'object' && a ? a.port : undefined;
    }
    return { clientPort, adminPort };
  }

  private accept(socket: Socket): void {
    const ip = socket.remoteAddress ?? '';
    const count = this.perIp.get(ip) ?? 0;
    if (this.config.maxClientCnxns > 0 && count >= this.config.maxClientCnxns) {
      // ZooKeeper drops the socket without a reply when an address is over its limit.
      socket.destroy();
      return;
    }
    this.perIp.set(ip, count + 1);
    socket.once('close', () => {
      const n = (this.perIp.get(ip) ?? 1) - 1;
      if (n <= 0) this.perIp.delete(ip);
      else this.perIp.set(ip, n);
    });
    this.open.add(new ClientConnection(socket, this));
  }

  connectionClosed(conn: ClientConnection): void {
    this.open.delete(conn);
  }

  fourLetterWord(word: string): string {
    if (!this.config.fourLetterWords.has(word)) {
      return `${word} is not executed because it is not in the whitelist.\n`;
    }
    if (!this.member.isServing && NEEDS_SERVING.has(word)) {
      return 'This ZooKeeper instance is not currently serving requests\n';
    }
    return renderFourLetterWord(word, this) ?? `${word} is not supported.\n`;
  }

  mode(): 'standalone' | 'leader' | 'follower' | 'observer' | 'looking' {
    return this.member.role;
  }

  /**
   * Digest of the tree (ensemble only: mntr shows it so members can be compared). Its first sum
   * hashes every node, so it is built in slices between txns, from setImmediate turns: until it is
   * whole this answers undefined (mntr leaves the row out) and a later call has the value.
   */
  treeDigest(): string | undefined {
    if (this.member.config.peers.length === 0) return undefined;
    const d = this.member.db.tree.digestWithin(DIGEST_SLICE_NODES);
    if (d === undefined) this.buildDigest();
    return d;
  }

  private buildDigest(): void {
    if (this.digestSlice || this.stopping) return;
    const step = (): void => {
      this.digestSlice = undefined;
      if (this.stopping) return;
      // The tree is read each time: a snapshot install replaces it, and its digest starts over.
      if (this.member.db.tree.digestWithin(DIGEST_SLICE_NODES) === undefined) {
        this.digestSlice = setImmediate(step);
      }
    };
    this.digestSlice = setImmediate(step);
  }

  /** ZAB facts for srvr/mntr and /commands/ensemble (empty for a standalone member). */
  ensemble(): Record<string, string | number> {
    const m = this.member;
    if (m.config.peers.length === 0) return {};
    const zab = m.zab;
    const peer = zab.peer;
    const st = peer.status;
    const out: Record<string, string | number> = {
      peer_state: m.role,
      leader_id: st.leader ?? -1,
      epoch: st.epoch,
      last_logged_zxid: hex(peer.lastZxid),
      last_committed_zxid: hex(peer.committedZxid),
      pending_proposals: m.role === 'leader' ? Math.max(0, peer.lastZxid - peer.committedZxid) : 0,
      quorum_size: m.config.peers.filter((p) => !p.observer).length,
      // how this member was last brought up to date: counts of SNAP installs and TRUNCs since start
      sync_snapshots_installed: zab.stats.snapshotsInstalled,
      sync_truncations: zab.stats.truncations,
      // as leader: SNAP streams finished, stopped early (the learner left), and their bytes
      sync_snapshots_sent: zab.stats.snapshotsSent,
      sync_snapshot_streams_stopped: zab.stats.snapshotStreamsStopped,
      sync_snapshot_bytes_sent: zab.stats.snapshotBytesSent,
    };
    if (m.role === 'leader') {
      const { followers, observers } = peer.activeLearners();
      out['learners'] = followers.length + observers.length;
      out['synced_followers'] = followers.length;
      out['synced_observers'] = observers.length;
    }
    return out;
  }

  connections(): ConnectionInfo[] {
    const out: ConnectionInfo[] = [];
    for (const c of this.open) {
      out.push({
        remote: c.remote,
        sessionId: c.sessionId,
        outstanding: c.outstanding,
        packetsReceived: c.packetsReceived,
        packetsSent: c.packetsSent,
        lastOp: c.lastOp,
        timeoutMs: c.timeoutMs,
        lastZxidSent: c.lastZxidSent,
        connectedAt: c.connectedAt,
      });
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.digestSlice) clearImmediate(this.digestSlice);
    // net.Server#close only stops accepting: its callback waits for every open connection, so
    // those are closed in the same turn, not after it.
    const closed = new Promise<void>((resolve) =>
      this.clientServer ? this.clientServer.close(() => resolve()) : resolve(),
    );
    for (const c of [...this.open]) c.close();
    await closed;
    await new Promise<void>((resolve) =>
      this.adminServer ? this.adminServer.close(() => resolve()) : resolve(),
    );
    await this.member.stop();
  }
}
