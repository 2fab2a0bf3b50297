/**
 * One coordinator member: recovery from disk, the write pipeline, sessions and their expiry,
 * container/TTL reaping and snapshots. A member alone is a one-member ensemble: it leads, its
 * own log is the quorum, and the path of a write is the one DESIGN.md describes
 * (prep -> txn with zxid -> persist -> apply -> reply).
 */
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ErrorCode, SESSION_PASSWORD_LENGTH } from '../protocol/constants.js';
import { ConnectionLossError, RuntimeInconsistencyError } from '../protocol/errors.js';
import type { ACL, Id, Request, WatcherEvent } from '../protocol/records.js';
import { SessionTracker } from '../session/session-tracker.js';
import { initialSessionId, nextSessionId } from '../session/session-id.js';
import { SnapshotStore } from '../storage/snapshot-store.js';
import { TxnLog } from '../storage/txn-log.js';
import { readEpochFile, writeEpochFile } from '../storage/epoch-file.js';
import { purgeOld } from '../storage/purge.js';
import { RequestPreparer, type PrepContext } from '../tree/request-preparer.js';
import { decodeTxn, encodeTxn } from '../tree/txn-codec.js';
import type { Txn, TxnBody } from '../tree/txn.js';
import type { TxnResult } from '../tree/data-tree.js';
import { LocalBroadcaster, type Broadcaster } from './broadcaster.js';
import type { MemberConfig } from './member-config.js';
import type { Clock, MemberDeps } from './member-deps.js';
import { systemDeps } from './system-deps.js';
import { ReadExecutor } from './read-executor.js';
import { refusedOpError } from './refused-ops.js';
import { takeInWrite } from './write-rules.js';
import { ZkDatabase } from './zk-database.js';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { decodeRequest, encodeRequest } from '../protocol/request-codec.js';
import { ACCEPTED_EPOCH_FILE, CURRENT_EPOCH_FILE } from '../storage/epoch-file.js';
import { ZabPeer } from '../zab/zab-peer.js';
import { PeerState, type ZabEntry, type ZabSnapshot } from '../zab/messages.js';
import type { PeerStatus } from '../zab/ready.js';
import { decodeForward, encodeForward, type ForwardEnvelope } from './forward-envelope.js';
import { PeerLinks } from './quorum/peer-links.js';
import { ZabHost, type QuorumTransport } from './zab-host.js';
import { DEFAULT_LOG_WINDOW, LogWindow } from './zab-log-window.js';
import type { ReceivedSnapshot } from './snapshot-intake.js';
import { snapshotFrom } from './snapshot-payload.js';

/** What the member needs from a client connection. */
export interface SessionConnection {
  readonly sessionId: bigint;
  readonly authIds: Id[];
  /** `acl`: of the node the event is about; the event reaches only a watcher that may read it. */
  deliver(event: WatcherEvent, acl?: readonly ACL[]): void;
  /** a write or sync of this connection finished: `zxid` identifies it. */
  writeDone(zxid: number, result: TxnResult): void;
  /** the session ended (closed or expired): drop the socket. */
  sessionEnded(): void;
}

export type { Clock } from './member-deps.js';

const TWO_32 = 2 ** 32;
export const epochOf = (zxid: number): number => Math.floor(zxid / TWO_32);
export const makeZxid = (epoch: number, counter: number): number => epoch * TWO_32 + counter;

interface Pending {
  conn: SessionConnection | undefined;
  onCommitted?: (result: TxnResult) => void;
  /** ensemble: what the connection waits on (`writeDone(ticket, …)`); standalone uses the zxid */
  ticket?: number;
}

/**
 * ZAB runs on ticks shorter than tickTime so that votes are re-sent and heartbeats flow several
 * times per tickTime; initLimit/syncLimit (in tickTime units) are scaled by the same factor.
 */
export const ZAB_TICKS_PER_TICKTIME = 10;

/** What the server around the member hears about the member's role. */
export interface MemberEvents {
  /** the member stopped (false) or started (true) serving clients */
  servingChanged?(serving: boolean): void;
  /** ms from leaving service (or starting) to serving again */
  electionTime?(ms: number): void;
  /** ms from propose to commit on the leader */
  proposalLatency?(ms: number): void;
}

export interface MemberStats {
  packetsReceived: number;
  packetsSent: number;
  minLatency: number;
  maxLatency: number;
  totalLatency: number;
  latencyCount: number;
  outstanding: number;
  txnsCommitted: number;
  snapshotsTaken: number;
  lastSnapshotMs: number;
  startedAt: number;
}

export class Member {
  db!: ZkDatabase<SessionConnection>;
  reads!: ReadExecutor<SessionConnection>;
  private preparer!: RequestPreparer;
  private broadcaster!: Broadcaster;
  readonly tracker: SessionTracker;
  log!: TxnLog;
  private snapshots!: SnapshotStore;
  private readonly connections = new Map<bigint, SessionConnection>();
  private readonly pending = new Map<number, Pending>();
  private syncWaiters: { zxid: number; done: () => void }[] = [];
  /**
   * Client writes proposed for each session and not yet applied here, whatever connection sent
   * them: ZooKeeper orders a session's requests across reconnects, so a read on a new connection
   * must wait for writes the session sent on the old one (a lost create reply would otherwise be
   * looked for before it exists).
   */
  private readonly sessionWrites = new Map<bigint, { count: number; waiters: (() => void)[] }>();
  private epoch = 0;
  private counter = 0;
  private nextSession = 0n;
  private txnsSinceSnapshot = 0;
  private snapshotThreshold = 0;
  private snapshotting = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  readonly stats: MemberStats;
  /** ensemble only */
  zab: ZabHost | undefined;
  private links: QuorumTransport | undefined;
  private window: LogWindow | undefined;
  /** ensemble: pending requests of clients connected here, keyed by (session, cxid) */
  private readonly pendingByKey = new Map<string, Pending>();
  private nextTicket = 1;
  private nextSyncId = 1;
  private readonly syncCallbacks = new Map<number, (ok: boolean) => void>();
  /** ensemble leader: when each outstanding proposal was made (proposal latency metric) */
  private readonly proposedAt = new Map<number, number>();
  /** ensemble leader: highest zxid proposed (sync waits for it to be applied) */
  private lastProposed = 0;
  /** ensemble learner: sessions touched since the last batch sent to the leader */
  private touched = new Set<bigint>();
  /**
   * ensemble leader: the member each session's client is connected to (ZooKeeper's session owner),
   * set by createSession and by a resume (revalidate) there; a write arriving through another
   * member fails SESSIONMOVED. A new leader starts empty and, as SessionTrackerImpl.checkSession
   * does for an owner-less session, takes the first member that writes for a session as its owner.
   */
  private readonly owners = new Map<bigint, number>();
  private serving = false;
  /** ensemble: the data /zookeeper/config reads as */
  private configNodeData: Buffer | undefined;
  private notServingSince: number;
  status: PeerStatus | undefined;
  events: MemberEvents = {};

  private readonly clock: Clock;
  private readonly deps: MemberDeps;

  constructor(
    readonly config: MemberConfig,
    deps: Partial<MemberDeps> = {},
  ) {
    this.deps = { ...systemDeps(), ...deps };
    this.clock = this.deps.clock;
    this.tracker = new SessionTracker(config.tickTime, {
      earlyExpiry: config.plantedBugs?.earlyExpiry === true,
    });
    this.stats = {
      packetsReceived: 0,
      packetsSent: 0,
      minLatency: Number.MAX_SAFE_INTEGER,
      maxLatency: 0,
      totalLatency: 0,
      latencyCount: 0,
      outstanding: 0,
      txnsCommitted: 0,
      snapshotsTaken: 0,
      lastSnapshotMs: 0,
      startedAt: this.clock.now(),
    };
    this.notServingSince = Date.now();
  }

  /** True when zoo.cfg lists server.N lines: this member runs ZAB with its peers. */
  get isEnsemble(): boolean {
    return this.config.peers.length > 0;
  }

  /** Whether clients may use this member now (always for a standalone member once started). */
  get isServing(): boolean {
    return !this.isEnsemble || this.serving;
  }

  /** leader | follower | observer | looking (ensemble), standalone otherwise. */
  get role(): 'standalone' | 'leader' | 'follower' | 'observer' | 'looking' {
    if (!this.isEnsemble) return 'standalone';
    const st = this.status;
    if (!st || !st.serving) return 'looking';
    if (st.state === PeerState.LEADING) return 'leader';
    if (st.state === PeerState.OBSERVING) return 'observer';
    return 'follower';
  }

  private get isLeader(): boolean {
    return this.zab !== undefined && this.zab.peer.isEstablishedLeader;
  }

  get serverId(): number {
    return this.config.myId;
  }

  get lastZxid(): number {
    return this.db.lastZxid;
  }

  get currentEpoch(): number {
    if (this.zab) return this.zab.peer.status.epoch;
    return this.epoch;
  }

  get snapDir(): string {
    return join(this.config.dataDir, 'version-2');
  }

  get logDir(): string {
    return join(this.config.dataLogDir, 'version-2');
  }

  /** Recover state from the newest valid snapshot plus the log, then start a new epoch. */
  async start(): Promise<void> {
    await mkdir(this.snapDir, { recursive: true });
    await mkdir(this.logDir, { recursive: true });
    this.snapshots = await SnapshotStore.open(this.snapDir, { fsync: this.config.forceSync });
    this.log = await TxnLog.open(this.logDir, { fsync: this.config.forceSync, preallocate: true });

    const snap = await this.snapshots.latestValid();
    if (snap) {
      const chunks: Buffer[] = [];
      for await (const c of snap.chunks()) chunks.push(c);
      this.db = ZkDatabase.restore<SessionConnection>(chunks);
    } else {
      this.db = new ZkDatabase<SessionConnection>();
    }
    const base = this.db.lastZxid;
    const recovered: ZabEntry[] = [];
    for await (const entry of this.log.read(this.db.lastZxid)) {
      this.db.apply(decodeTxn(entry.payload));
      if (this.isEnsemble) {
        recovered.push({ zxid: entry.zxid, data: entry.payload });
        if (recovered.length > 20_000) recovered.splice(0, 10_000);
      }
    }
    if (this.isEnsemble) {
      await this.startEnsemble(base, recovered);
      return;
    }

    // A new epoch on every start, as a ZAB leader establishes one: zxids never go backwards and a
    // client that saw our last zxid can always reconnect.
    const epochFile = join(this.config.dataDir, 'version-2', 'currentEpoch');
    const stored = (await readEpochFile(epochFile)) ?? 0;
    this.epoch = Math.max(stored, epochOf(this.db.lastZxid)) + 1;
    await writeEpochFile(epochFile, this.epoch);
    await writeEpochFile(join(this.config.dataDir, 'version-2', 'acceptedEpoch'), this.epoch);
    this.counter = 0;

    this.reads = new ReadExecutor(this.db.tree);
    this.preparer = new RequestPreparer(this.db.tree, {
      extendedTypesEnabled: this.config.extendedTypesEnabled,
    });
    this.broadcaster = new LocalBroadcaster(
      this.log,
      (txn) => this.commit(txn),
      (err) => this.fatal(err),
    );
    this.nextSession = initialSessionId(this.serverId, this.clock.now());
    const now = this.clock.now();
    for (const s of this.db.sessions.values()) this.tracker.add(s.id, s.timeoutMs, now);
    this.resetSnapshotThreshold();

    this.timers.push(
      setInterval(() => this.expireSessions(), Math.max(10, Math.floor(this.config.tickTime / 2))),
    );
    this.timers.push(setInterval(() => this.reapContainers(), this.config.containerCheckIntervalMs));
    if (this.config.autopurgePurgeInterval > 0) {
      this.timers.push(setInterval(() => void this.purge(), this.config.autopurgePurgeInterval * 3_600_000));
    }
    for (const t of this.timers) t.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.zab?.stop();
    await this.log?.close();
  }

  // ---- ensemble (ZAB) -----------------------------------------------------------------------

  private async startEnsemble(base: number, recovered: ZabEntry[]): Promise<void> {
    const c = this.config;
    const epochs = {
      acceptedEpoch: (await readEpochFile(join(this.snapDir, ACCEPTED_EPOCH_FILE))) ?? 0,
      currentEpoch: (await readEpochFile(join(this.snapDir, CURRENT_EPOCH_FILE))) ?? 0,
    };
    this.epoch = epochs.currentEpoch;
    // ZooKeeper's zookeeper.commitLogCount: how many recent txns a leader can DIFF from (tests lower
    // it to force SNAP syncs).
    const commitLogCount = Number(c.extra['zookeeper.commitLogCount'] ?? DEFAULT_LOG_WINDOW.maxEntries);
    this.configNodeData = Buffer.from(ensembleConfigText(c));
    this.window = new LogWindow(
      base,
      () => this.snapshotForPeer(),
      // Keep what the peer has not marked committed yet (it reads those back when the commit comes),
      // and what is not applied here (a snapshot must reach the window's base).
      () => Math.min(this.db.lastZxid, this.zab ? this.zab.peer.committedZxid : 0),
      { ...DEFAULT_LOG_WINDOW, maxEntries: Math.max(1, commitLogCount) },
    );
    // A long recovered tail was cut to its newest entries: the window's base starts just below the
    // first one kept, so the leader never plans a DIFF from entries it does not hold.
    if (recovered.length >= 10_000) this.window.reset(recovered[0]!.zxid - 1);
    for (const e of recovered) this.window.add(e);
    this.reads = new ReadExecutor(this.db.tree, this.configNodeData);
    this.preparer = new RequestPreparer(this.db.tree, { extendedTypesEnabled: c.extendedTypesEnabled });
    this.nextSession = initialSessionId(this.serverId, this.clock.now());
    const now = this.clock.now();
    for (const s of this.db.sessions.values()) this.tracker.add(s.id, s.timeoutMs, now);
    this.resetSnapshotThreshold();

    const tickMs = Math.max(10, Math.floor(c.tickTime / ZAB_TICKS_PER_TICKTIME));
    const peer = new ZabPeer(
      {
        id: c.myId,
        voters: c.peers.filter((p) => !p.observer).map((p) => p.id),
        observers: c.peers.filter((p) => p.observer).map((p) => p.id),
        initLimitTicks: c.initLimit * ZAB_TICKS_PER_TICKTIME,
        syncLimitTicks: c.syncLimit * ZAB_TICKS_PER_TICKTIME,
        ...(c.plantedBugs ? { unsafe: c.plantedBugs } : {}),
      },
      epochs,
      this.window,
      { nextUint32: () => randomBytes(4).readUInt32BE(0) },
    );
    this.links =
      this.deps.transport?.(c) ??
      new PeerLinks({
        myId: c.myId,
        peers: c.peers.map((p) => ({
          id: p.id,
          host: p.host,
          quorumPort: p.quorumPort,
          electionPort: p.electionPort,
        })),
        isElectionMessage: (m) => m.type === 'vote',
      });
    this.zab = new ZabHost({
      peer,
      transport: this.links,
      log: this.log,
      window: this.window,
      epochDir: this.snapDir,
      fsync: c.forceSync,
      tickMs,
      fatal: (err) => this.fatal(err),
      writeSnapshot: (zxid, records) => this.snapshots.write(zxid, records),
      sink: {
        installSnapshot: (snap) => this.installSnapshot(snap),
        truncated: (zxid) => this.rebuildAfterTruncate(zxid),
        applyCommitted: (e) => this.applyCommitted(e),
        statusChanged: (st) => this.statusChanged(st),
        forwarded: (from, data) => this.onForwarded(from, data),
        syncDone: (id) => this.syncFinished(id, true),
        syncFailed: (id) => this.syncFinished(id, false),
      },
    });
    this.timers.push(setInterval(() => this.expireSessions(), Math.max(10, Math.floor(c.tickTime / 2))));
    this.timers.push(setInterval(() => this.flushTouches(), tickMs));
    this.timers.push(setInterval(() => this.reapContainers(), c.containerCheckIntervalMs));
    if (c.autopurgePurgeInterval > 0) {
      this.timers.push(setInterval(() => void this.purge(), c.autopurgePurgeInterval * 3_600_000));
    }
    for (const t of this.timers) t.unref();
    await this.zab.start();
  }

  /** The committed database for a leader's SNAP sync, serialized lazily as it streams. */
  private snapshotForPeer(): ZabSnapshot {
    return snapshotFrom(this.db.lastZxid, this.db.snapshotChunks());
  }

  private replaceDatabase(db: ZkDatabase<SessionConnection>): void {
    // Only while not serving (SNAP/TRUNC happen during sync): no client watches are lost.
    this.db = db;
    this.reads = new ReadExecutor(db.tree, this.configNodeData);
    this.preparer = new RequestPreparer(db.tree, { extendedTypesEnabled: this.config.extendedTypesEnabled });
    const now = this.clock.now();
    for (const id of this.tracker.ids()) if (!db.sessions.has(id)) this.tracker.remove(id);
    for (const s of db.sessions.values()) this.tracker.add(s.id, s.timeoutMs, now);
  }

  private async installSnapshot(snap: ReceivedSnapshot): Promise<void> {
    const db = ZkDatabase.restore<SessionConnection>(snap.records());
    // Snapshots newer than this one describe a history we are leaving: they must not win at restart.
    await this.snapshots.removeNewerThan(snap.zxid);
    // Cut the log before publishing the snapshot: a crash in between restarts from the old snapshot
    // and a prefix of the old log, never from this snapshot plus txns of the history being left.
    await this.log.truncateAfter(snap.zxid);
    await snap.publish();
    this.replaceDatabase(db);
  }

  private async rebuildAfterTruncate(zxid: number): Promise<void> {
    if (this.db.lastZxid <= zxid) return;
    // PLANTED BUG (REGISTRAR_PLANTED_BUGS=apply-uncommitted-tail, chaos suite only): recovery applied
    // the whole log, uncommitted tail included; keep that instead of rebuilding up to the TRUNC point.
    if (this.config.plantedBugs?.applyUncommittedTail) return;
    await this.snapshots.removeNewerThan(zxid);
    const snap = await this.snapshots.latestValid();
    let db: ZkDatabase<SessionConnection>;
    if (snap) {
      const chunks: Buffer[] = [];
      for await (const c of snap.chunks()) chunks.push(c);
      db = ZkDatabase.restore<SessionConnection>(chunks);
    } else {
      db = new ZkDatabase<SessionConnection>();
    }
    for await (const entry of this.log.read(db.lastZxid)) {
      if (entry.zxid > zxid) break;
      db.apply(decodeTxn(entry.payload));
    }
    this.replaceDatabase(db);
  }

  private applyCommitted(e: ZabEntry): void {
    const proposed = this.proposedAt.get(e.zxid);
    if (proposed !== undefined) {
      this.proposedAt.delete(e.zxid);
      this.events.proposalLatency?.(Date.now() - proposed);
    }
    // Entries replayed from our own log at start-up are already in the database.
    if (e.zxid <= this.db.lastZxid) return;
    this.commit(decodeTxn(e.data));
  }

  private statusChanged(st: PeerStatus): void {
    const prev = this.status;
    this.status = st;
    const name = ['looking', 'following', 'leading', 'observing'][st.state] ?? String(st.state);
    this.deps.logger.info(
      `member ${this.serverId}: ${name}` +
        (st.leader !== undefined ? ` leader=${st.leader}` : '') +
        ` epoch=${st.epoch} serving=${st.serving} lastZxid=0x${this.db.lastZxid.toString(16)}`,
    );
    const wasLeader = prev?.serving === true && prev.state === PeerState.LEADING;
    const isLeader = st.serving && st.state === PeerState.LEADING;
    if (wasLeader !== isLeader) {
      // Changes prepared against our old role's view of the future are void either way.
      this.preparer.reset();
      this.proposedAt.clear();
      this.owners.clear();
      this.lastProposed = this.db.lastZxid;
    }
    if (isLeader && !wasLeader) {
      // The new leader owns expiry: every committed session gets a full timeout from now and no
      // leftover "closing" mark from an earlier term (ZooKeeper builds a fresh tracker per leadership).
      this.tracker.rebuild(this.db.sessions.values(), this.clock.now());
    }
    if (st.serving !== this.serving) {
      this.serving = st.serving;
      if (!st.serving) {
        this.notServingSince = Date.now();
        // Requests in flight may never commit (or commit under a new leader): clients retry elsewhere.
        this.pendingByKey.clear();
        this.syncCallbacks.clear();
        this.stats.outstanding = 0;
        this.dropSessionWrites();
      } else {
        this.events.electionTime?.(Date.now() - this.notServingSince);
      }
      this.events.servingChanged?.(st.serving);
    }
  }

  private onForwarded(from: number, data: Buffer): void {
    let env: ForwardEnvelope;
    try {
      env = decodeForward(data);
    } catch (err) {
      console.error(`bad forwarded request from member ${from}`, err);
      return;
    }
    if (!this.isLeader) return;
    const now = this.clock.now();
    switch (env.kind) {
      case 'touch':
        for (const id of env.sessionIds) this.tracker.touch(id, now);
        return;
      case 'createSession':
        this.owners.set(env.sessionId, from);
        this.proposeEnsemble(env.sessionId, 0, () =>
          this.preparer.prepareCreateSession(env.timeoutMs, env.passwd),
        );
        return;
      case 'revalidate':
        this.owners.set(env.sessionId, from);
        return;
      case 'closeSession':
        this.tracker.setClosing(env.sessionId);
        this.proposeEnsemble(env.sessionId, env.cxid, (zxid) =>
          this.preparer.prepareCloseSession(env.sessionId, zxid),
        );
        return;
      case 'write': {
        const refused = env.frame.length >= 8 ? refusedOpError(env.frame.readInt32BE(4)) : undefined;
        if (refused !== undefined) {
          this.proposeEnsemble(env.sessionId, env.cxid, () => ({ type: 'error', err: refused }));
          return;
        }
        let request: Request;
        try {
          request = decodeRequest(env.frame).request;
        } catch {
          // A write whose body does not decode (the learner forwards those as they came): ZooKeeper's
          // leader fails it in PrepRequestProcessor, through an error txn.
          this.proposeEnsemble(env.sessionId, env.cxid, () => ({
            type: 'error',
            err: ErrorCode.MARSHALLINGERROR,
          }));
          return;
        }
        if (!this.tracker.touch(env.sessionId, now)) {
          // Expired or closing by the leader's account (the client's member may not know yet): the
          // request fails as ZooKeeper's leader fails it, through an error txn.
          this.proposeEnsemble(env.sessionId, env.cxid, () => ({
            type: 'error',
            err: ErrorCode.SESSIONEXPIRED,
          }));
          return;
        }
        if (this.movedAway(env.sessionId, from, request)) {
          this.proposeEnsemble(env.sessionId, env.cxid, () => ({
            type: 'error',
            err: ErrorCode.SESSIONMOVED,
          }));
          return;
        }
        this.proposeEnsemble(env.sessionId, env.cxid, (zxid) =>
          this.prepareClientWrite(request, {
            sessionId: env.sessionId,
            zxid,
            time: now,
            authIds: env.authIds,
            isSuper: env.authIds.some((i) => i.scheme === 'super'),
          }),
        );
        return;
      }
    }
  }

  /**
   * Leader: true when `sessionId` is owned by another member than `via`, the member the write came
   * through (SessionTrackerImpl.checkSession). An owner-less session is claimed by `via`. reconfig
   * is exempt: it is refused (RECONFIGDISABLED) before the owner is checked.
   */
  private movedAway(sessionId: bigint, via: number, request: Request): boolean {
    if (request.op === 'reconfig') return false;
    const owner = this.owners.get(sessionId);
    if (owner === undefined) {
      this.owners.set(sessionId, via);
      return false;
    }
    return owner !== via;
  }

  /**
   * Leader: whether `sessionId`, used by a client connected here, is owned by another member (it
   * moved there). Apache's leader checks the owner of every request, reads and pings included
   * (PrepRequestProcessor); a learner serves reads locally and never asks. An owner-less session is
   * claimed by this member, as checkSession does.
   */
  sessionMovedAway(sessionId: bigint): boolean {
    if (!this.isLeader) return false;
    return this.movedAway(sessionId, this.serverId, { op: 'ping' });
  }

  /**
   * A client resumed `sessionId` on this member: `done(true)` once the leader records this member as
   * its owner (a learner waits for a sync round trip behind the revalidate it forwarded, so the
   * leader has seen it before the client is told), `done(false)` when no leader can be reached.
   */
  claimSession(sessionId: bigint, done: (ok: boolean) => void): void {
    if (!this.isEnsemble) return done(true);
    if (this.isLeader) {
      this.owners.set(sessionId, this.serverId);
      return done(true);
    }
    const id = this.nextSyncId++;
    this.syncCallbacks.set(id, done);
    try {
      const data = encodeForward({ kind: 'revalidate', sessionId });
      this.zab!.withPeer((p) => {
        p.forward(data);
        p.sync(id);
      });
    } catch {
      this.syncCallbacks.delete(id);
      done(false);
    }
  }

  /** Leader: build the txn for the next zxid and propose it. False when not an established leader. */
  private proposeEnsemble(sessionId: bigint, cxid: number, build: (zxid: number) => TxnBody): boolean {
    const zab = this.zab!;
    const zxid = zab.peer.nextProposalZxid();
    if (zxid === undefined) return false;
    const body = build(zxid);
    const txn: Txn = { header: { sessionId, cxid, zxid, time: this.clock.now() }, body };
    const assigned = zab.withPeer((p) => p.propose(encodeTxn(txn)));
    if (assigned !== zxid)
      throw new RuntimeInconsistencyError(undefined, {
        detail: `zab assigned 0x${assigned.toString(16)}, expected 0x${zxid.toString(16)}`,
      });
    this.lastProposed = zxid;
    this.proposedAt.set(zxid, Date.now());
    return true;
  }

  private sessionWriteStarted(sessionId: bigint): void {
    const e = this.sessionWrites.get(sessionId);
    if (e) e.count++;
    else this.sessionWrites.set(sessionId, { count: 1, waiters: [] });
  }

  private sessionWriteEnded(sessionId: bigint): void {
    const e = this.sessionWrites.get(sessionId);
    if (!e) return;
    if (--e.count > 0) return;
    this.sessionWrites.delete(sessionId);
    for (const w of e.waiters) w();
  }

  /**
   * Runs `done` once every client write of `sessionId` proposed so far has been applied here (or
   * dropped because this member stopped serving). Returns false, without calling `done`, when none
   * is pending.
   */
  afterSessionWrites(sessionId: bigint, done: () => void): boolean {
    const e = this.sessionWrites.get(sessionId);
    if (!e) return false;
    e.waiters.push(done);
    return true;
  }

  private dropSessionWrites(): void {
    const entries = [...this.sessionWrites.values()];
    this.sessionWrites.clear();
    for (const e of entries) for (const w of e.waiters) w();
  }

  /** Ensemble: route a request of a client connected here to the leader (or prepare it, as leader). */
  private submitEnsemble(
    sessionId: bigint,
    cxid: number,
    conn: SessionConnection | undefined,
    onCommitted: ((result: TxnResult) => void) | undefined,
    asLeader: (zxid: number) => TxnBody,
    envelope: () => ForwardEnvelope,
  ): number {
    const ticket = this.nextTicket++;
    const key = pendingKey(sessionId, cxid);
    this.pendingByKey.set(key, { conn, onCommitted, ticket });
    this.stats.outstanding++;
    if (conn) this.sessionWriteStarted(sessionId);
    try {
      if (this.isLeader) {
        if (!this.proposeEnsemble(sessionId, cxid, asLeader))
          throw new ConnectionLossError(undefined, { detail: 'not leading' });
      } else {
        const data = encodeForward(envelope());
        this.zab!.withPeer((p) => p.forward(data));
      }
    } catch {
      // Not serving right now: the status change that follows closes the connection.
      this.pendingByKey.delete(key);
      this.stats.outstanding--;
      if (conn) this.sessionWriteEnded(sessionId);
    }
    return ticket;
  }

  private syncFinished(id: number, ok: boolean): void {
    const done = this.syncCallbacks.get(id);
    this.syncCallbacks.delete(id);
    done?.(ok);
  }

  /** Learner: send the sessions touched since the last batch, so the leader does not expire them. */
  private flushTouches(): void {
    if (!this.zab || this.touched.size === 0) return;
    if (this.isLeader || !this.serving) {
      // the leader's own tracker was touched directly; a non-serving member has no clients to vouch for
      this.touched.clear();
      return;
    }
    const sessionIds = [...this.touched];
    this.touched.clear();
    try {
      const data = encodeForward({ kind: 'touch', sessionIds });
      this.zab.withPeer((p) => p.forward(data));
    } catch {
      // not connected to a leader: the sessions' clients move elsewhere and touch from there
    }
  }

  private fatal(err: unknown): void {
    if (this.stopped) return;
    this.deps.onFatal(err);
  }

  // ---- sessions -----------------------------------------------------------------------------

  negotiateTimeout(requested: number): number {
    return Math.min(Math.max(requested, this.config.minSessionTimeout), this.config.maxSessionTimeout);
  }

  /** Propose a createSession txn; `done` runs when it is committed. */
  createSession(timeoutMs: number, done: (id: bigint, passwd: Buffer) => void): void {
    const id = this.nextSession;
    this.nextSession = nextSessionId(id);
    const passwd = randomBytes(SESSION_PASSWORD_LENGTH);
    if (this.isEnsemble) {
      this.submitEnsemble(
        id,
        0,
        undefined,
        () => done(id, passwd),
        () => {
          this.owners.set(id, this.serverId);
          return this.preparer.prepareCreateSession(timeoutMs, passwd);
        },
        () => ({ kind: 'createSession', sessionId: id, timeoutMs, passwd }),
      );
      return;
    }
    this.propose(id, 0, { type: 'createSession', timeOut: timeoutMs, passwd }, undefined, () =>
      done(id, passwd),
    );
  }

  /** Check a reconnecting client's session id and password; touches it on success. */
  revalidate(id: bigint, passwd: Buffer): { timeoutMs: number } | undefined {
    const s = this.db.sessions.get(id);
    if (!s || !s.passwd.equals(passwd)) return undefined;
    if (!this.tracker.touch(id, this.clock.now())) return undefined;
    if (this.isEnsemble) this.touched.add(id);
    return { timeoutMs: s.timeoutMs };
  }

  /** Bind a connection to its session, closing the one it replaces (the client moved). */
  attach(conn: SessionConnection): void {
    const previous = this.connections.get(conn.sessionId);
    this.connections.set(conn.sessionId, conn);
    if (previous && previous !== conn) previous.sessionEnded();
  }

  detach(conn: SessionConnection): void {
    if (this.connections.get(conn.sessionId) === conn) this.connections.delete(conn.sessionId);
    this.db.tree.dropWatcher(conn);
  }

  touch(id: bigint): boolean {
    const ok = this.tracker.touch(id, this.clock.now());
    if (ok && this.isEnsemble) this.touched.add(id);
    return ok;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  connectionsList(): SessionConnection[] {
    return [...this.connections.values()];
  }

  private expireSessions(): void {
    // In an ensemble only the leader decides expiry; learners report touches to it.
    if (this.isEnsemble && !this.isLeader) return;
    for (const id of this.tracker.expire(this.clock.now())) {
      this.proposeCloseSession(id, undefined);
    }
  }

  /** closeSession: from the client (conn set) or by expiry. */
  proposeCloseSession(id: bigint, conn: SessionConnection | undefined, cxid = 0): number {
    if (this.isEnsemble) {
      if (this.isLeader) this.tracker.setClosing(id);
      return this.submitEnsemble(
        id,
        cxid,
        conn,
        undefined,
        (zxid) => this.preparer.prepareCloseSession(id, zxid),
        () => ({ kind: 'closeSession', sessionId: id, cxid }),
      );
    }
    this.tracker.setClosing(id);
    // The zxid first, then the txn prepared for it: the pending deletions are keyed by it.
    const zxid = this.nextZxid();
    return this.proposeWithZxid(zxid, id, cxid, this.preparer.prepareCloseSession(id, zxid), conn);
  }

  private reapContainers(): void {
    if (this.isEnsemble) {
      if (!this.isLeader) return;
      for (const path of this.db.tree.expiredContainersAndTtls(this.clock.now())) {
        this.proposeEnsemble(0n, 0, (zxid) => this.preparer.prepareReap(path, zxid));
      }
      return;
    }
    for (const path of this.db.tree.expiredContainersAndTtls(this.clock.now())) {
      const zxid = this.nextZxid();
      this.proposeWithZxid(zxid, 0n, 0, this.preparer.prepareReap(path, zxid), undefined);
    }
  }

  // ---- writes -------------------------------------------------------------------------------

  private nextZxid(): number {
    this.counter += 1;
    if (this.counter >= TWO_32) {
      // ZooKeeper forces a new election when the counter would roll over; a lone member simply
      // opens a new epoch.
      this.epoch += 1;
      this.counter = 1;
    }
    return makeZxid(this.epoch, this.counter);
  }

  /**
   * The txn for a client write. reconfig is refused, as ZooKeeper without reconfigEnabled refuses
   * it: through an error txn (RECONFIGDISABLED), so it takes a zxid like any failed write (observed).
   */
  private prepareClientWrite(request: Request, ctx: PrepContext): TxnBody {
    if (request.op === 'reconfig') return { type: 'error', err: ErrorCode.RECONFIGDISABLED };
    const intake = takeInWrite(request);
    if ('refuse' in intake) return { type: 'error', err: intake.refuse };
    const body = this.preparer.prepare(intake.request, ctx);
    if (intake.ttlMismatchAt && body.type === 'multi') {
      const failedAt = body.txns.findIndex((t) => t.type === 'error' && t.err !== ErrorCode.OK);
      if (intake.ttlMismatchAt.includes(failedAt)) return { type: 'error', err: ErrorCode.MARSHALLINGERROR };
    }
    return body;
  }

  /**
   * Prepare and propose a client write. Returns the txn's zxid; the connection's `writeDone(zxid, …)`
   * runs once the txn is committed and applied.
   */
  submitWrite(conn: SessionConnection, cxid: number, request: Request): number {
    if (this.isEnsemble) {
      const ctx = (zxid: number) => ({
        sessionId: conn.sessionId,
        zxid,
        time: this.clock.now(),
        authIds: conn.authIds,
        isSuper: conn.authIds.some((i) => i.scheme === 'super'),
      });
      return this.submitEnsemble(
        conn.sessionId,
        cxid,
        conn,
        undefined,
        (zxid) =>
          this.movedAway(conn.sessionId, this.serverId, request)
            ? { type: 'error', err: ErrorCode.SESSIONMOVED }
            : this.prepareClientWrite(request, ctx(zxid)),
        () => ({
          kind: 'write',
          sessionId: conn.sessionId,
          cxid,
          authIds: conn.authIds,
          // the request frame without its length prefix, as the leader's decoder expects it
          frame: encodeRequest(cxid, request).subarray(4),
        }),
      );
    }
    const zxid = this.nextZxid();
    const body = this.prepareClientWrite(request, {
      sessionId: conn.sessionId,
      zxid,
      time: this.clock.now(),
      authIds: conn.authIds,
      isSuper: conn.authIds.some((i) => i.scheme === 'super'),
    });
    return this.proposeWithZxid(zxid, conn.sessionId, cxid, body, conn);
  }

  /**
   * A client frame whose opcode ZooKeeper accepts into its pipeline but always fails there (see
   * refusedOpError): it still takes a zxid, through an error txn. `frame` is the request without
   * its length prefix; a learner forwards it as is and the leader fails it the same way.
   */
  submitRefusedWrite(conn: SessionConnection, cxid: number, frame: Buffer, err: number): number {
    if (this.isEnsemble) {
      return this.submitEnsemble(
        conn.sessionId,
        cxid,
        conn,
        undefined,
        () => ({ type: 'error', err }),
        () => ({ kind: 'write', sessionId: conn.sessionId, cxid, authIds: conn.authIds, frame }),
      );
    }
    return this.propose(conn.sessionId, cxid, { type: 'error', err }, conn);
  }

  private propose(
    sessionId: bigint,
    cxid: number,
    body: TxnBody,
    conn: SessionConnection | undefined,
    onCommitted?: (result: TxnResult) => void,
  ): number {
    return this.proposeWithZxid(this.nextZxid(), sessionId, cxid, body, conn, onCommitted);
  }

  private proposeWithZxid(
    zxid: number,
    sessionId: bigint,
    cxid: number,
    body: TxnBody,
    conn: SessionConnection | undefined,
    onCommitted?: (result: TxnResult) => void,
  ): number {
    const txn: Txn = { header: { sessionId, cxid, zxid, time: this.clock.now() }, body };
    this.pending.set(zxid, { conn, onCommitted });
    this.stats.outstanding++;
    if (conn) this.sessionWriteStarted(sessionId);
    this.broadcaster.propose(txn, encodeTxn(txn));
    return zxid;
  }

  /**
   * `sync`: answered once every txn proposed before it has been applied here, so a read after it
   * sees every write committed before the sync.
   */
  sync(done: () => void): void {
    if (this.isEnsemble) {
      if (this.isLeader) {
        // Everything this leader proposed before the sync is applied before the answer.
        if (this.db.lastZxid >= this.lastProposed) done();
        else this.syncWaiters.push({ zxid: this.lastProposed, done });
        return;
      }
      const id = this.nextSyncId++;
      // a failed sync is never answered: the client's connection moves on
      this.syncCallbacks.set(id, (ok) => ok && done());
      try {
        this.zab!.withPeer((p) => p.sync(id));
      } catch {
        this.syncCallbacks.delete(id);
      }
      return;
    }
    const target = makeZxid(this.epoch, this.counter);
    if (this.db.lastZxid >= target) done();
    else this.syncWaiters.push({ zxid: target, done });
  }

  /** Apply a committed txn and hand results to whoever waits for them. */
  private commit(txn: Txn): void {
    const { result, notifications } = this.db.apply(txn);
    this.preparer.applied(txn.header.zxid);
    this.stats.txnsCommitted++;
    for (const n of notifications) n.watcher.deliver(n.event, n.acl);

    const body = txn.body;
    if (body.type === 'createSession') {
      this.tracker.add(txn.header.sessionId, body.timeOut, this.clock.now());
    } else if (body.type === 'closeSession') {
      this.tracker.remove(txn.header.sessionId);
    }

    if (this.isEnsemble) {
      const key = pendingKey(txn.header.sessionId, txn.header.cxid);
      const p = this.pendingByKey.get(key);
      if (p) {
        this.pendingByKey.delete(key);
        this.stats.outstanding--;
        p.onCommitted?.(result);
        p.conn?.writeDone(p.ticket!, result);
        if (p.conn) this.sessionWriteEnded(txn.header.sessionId);
      }
    } else {
      const p = this.pending.get(txn.header.zxid);
      if (p) {
        this.pending.delete(txn.header.zxid);
        this.stats.outstanding--;
        p.onCommitted?.(result);
        p.conn?.writeDone(txn.header.zxid, result);
        if (p.conn) this.sessionWriteEnded(txn.header.sessionId);
      }
    }
    if (body.type === 'closeSession') {
      const conn = this.connections.get(txn.header.sessionId);
      if (conn) {
        this.connections.delete(txn.header.sessionId);
        conn.sessionEnded();
      }
    }
    if (this.syncWaiters.length > 0) this.releaseSyncWaiters();
    if (++this.txnsSinceSnapshot >= this.snapshotThreshold) void this.takeSnapshot();
  }

  private releaseSyncWaiters(): void {
    const last = this.db.lastZxid;
    const waiting: typeof this.syncWaiters = [];
    for (const w of this.syncWaiters) w.zxid <= last ? w.done() : waiting.push(w);
    this.syncWaiters = waiting;
  }

  // ---- snapshots ----------------------------------------------------------------------------

  private resetSnapshotThreshold(): void {
    // Like ZooKeeper: snapCount/2 plus a random share, so members of an ensemble do not all
    // snapshot at the same moment.
    const half = Math.floor(this.config.snapCount / 2);
    this.snapshotThreshold = half + Math.floor(Math.random() * half);
    this.txnsSinceSnapshot = 0;
  }

  /** Roll the log and write a fuzzy snapshot while writes continue. */
  async takeSnapshot(): Promise<void> {
    if (this.snapshotting || this.stopped) return;
    this.snapshotting = true;
    this.resetSnapshotThreshold();
    const started = Date.now();
    try {
      await this.log.roll();
      const zxid = this.db.lastZxid;
      const db = this.db;
      async function* chunks(): AsyncGenerator<Buffer> {
        let n = 0;
        for (const c of db.snapshotChunks()) {
          yield c;
          if (++n % 2000 === 0) await yieldToLoop();
        }
      }
      await this.snapshots.write(zxid, chunks());
      this.stats.snapshotsTaken++;
      this.stats.lastSnapshotMs = Date.now() - started;
      if (this.config.autopurgePurgeInterval > 0) await this.purge();
    } catch (err) {
      console.error('snapshot failed', err);
    } finally {
      this.snapshotting = false;
    }
  }

  async purge(): Promise<void> {
    await purgeOld(this.snapDir, this.logDir, this.config.autopurgeSnapRetainCount);
  }
}

function pendingKey(sessionId: bigint, cxid: number): string {
  return `${sessionId}:${cxid}`;
}

/**
 * /zookeeper/config content for a static ensemble, in ZooKeeper's dynamic-config syntax: one
 * `server.N=host:quorumPort:electionPort:role;clientHost:clientPort` line per member, then the
 * config version in hex (0 for a configuration no reconfig has changed).
 */
export function ensembleConfigText(c: MemberConfig): string {
  const lines = c.peers.map((p) => {
    const client =
      p.clientPort !== undefined
        ? `;${p.clientHost ?? '0.0.0.0'}:${p.clientPort}`
        : p.id === c.myId
          ? `;${c.clientPortAddress}:${c.clientPort}`
          : '';
    return `server.${p.id}=${p.host}:${p.quorumPort}:${p.electionPort}:${p.observer ? 'observer' : 'participant'}${client}`;
  });
  lines.push('version=0');
  return lines.join('\n');
}
