/**
 * One coordinator member: recovery from disk, the write pipeline, sessions and their expiry,
 * container/TTL reaping and snapshots. A member alone is a one-member ensemble: it leads, its
 * own log is the quorum, and the path of a write is the one DESIGN.md describes
 * (prep -> txn with zxid -> persist -> apply -> reply).
 */
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ErrorCode, SESSION_PASSWORD_LENGTH } from '../protocol/constants.js';
import type { Id, Request, WatcherEvent } from '../protocol/records.js';
import { SessionTracker } from '../session/session-tracker.js';
import { initialSessionId, nextSessionId } from '../session/session-id.js';
import { SnapshotStore } from '../storage/snapshot-store.js';
import { TxnLog } from '../storage/txn-log.js';
import { readEpochFile, writeEpochFile } from '../storage/epoch-file.js';
import { purgeOld } from '../storage/purge.js';
import { RequestPreparer } from '../tree/request-preparer.js';
import { decodeTxn, encodeTxn } from '../tree/txn-codec.js';
import type { Txn, TxnBody } from '../tree/txn.js';
import type { TxnResult } from '../tree/data-tree.js';
import { LocalBroadcaster, type Broadcaster } from './broadcaster.js';
import type { MemberConfig } from './member-config.js';
import { ReadExecutor } from './read-executor.js';
import { ZkDatabase } from './zk-database.js';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';

/** What the member needs from a client connection. */
export interface SessionConnection {
  readonly sessionId: bigint;
  readonly authIds: Id[];
  deliver(event: WatcherEvent): void;
  /** a write or sync of this connection finished: `zxid` identifies it. */
  writeDone(zxid: number, result: TxnResult): void;
  /** the session ended (closed or expired): drop the socket. */
  sessionEnded(): void;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

const TWO_32 = 2 ** 32;
export const epochOf = (zxid: number): number => Math.floor(zxid / TWO_32);
export const makeZxid = (epoch: number, counter: number): number => epoch * TWO_32 + counter;

interface Pending {
  conn: SessionConnection | undefined;
  onCommitted?: (result: TxnResult) => void;
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
  private epoch = 0;
  private counter = 0;
  private nextSession = 0n;
  private txnsSinceSnapshot = 0;
  private snapshotThreshold = 0;
  private snapshotting = false;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  readonly stats: MemberStats;

  constructor(
    readonly config: MemberConfig,
    private readonly clock: Clock = systemClock,
    private readonly onFatal: (err: unknown) => void = (err) => {
      console.error('fatal storage error, stopping member', err);
      process.exit(70);
    },
  ) {
    this.tracker = new SessionTracker(config.tickTime);
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
      startedAt: clock.now(),
    };
  }

  get serverId(): number {
    return this.config.myId;
  }

  get lastZxid(): number {
    return this.db.lastZxid;
  }

  get currentEpoch(): number {
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
    this.log = await TxnLog.open(this.logDir, { fsync: this.config.forceSync });

    const snap = await this.snapshots.latestValid();
    if (snap) {
      const chunks: Buffer[] = [];
      for await (const c of snap.chunks()) chunks.push(c);
      this.db = ZkDatabase.restore<SessionConnection>(chunks);
    } else {
      this.db = new ZkDatabase<SessionConnection>();
    }
    for await (const entry of this.log.read(this.db.lastZxid)) {
      this.db.apply(decodeTxn(entry.payload));
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
    this.preparer = new RequestPreparer(this.db.tree, { extendedTypesEnabled: this.config.extendedTypesEnabled });
    this.broadcaster = new LocalBroadcaster(this.log, (txn) => this.commit(txn), (err) => this.fatal(err));
    this.nextSession = initialSessionId(this.serverId, this.clock.now());
    const now = this.clock.now();
    for (const s of this.db.sessions.values()) this.tracker.add(s.id, s.timeoutMs, now);
    this.resetSnapshotThreshold();

    this.timers.push(setInterval(() => this.expireSessions(), Math.max(10, Math.floor(this.config.tickTime / 2))));
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
    await this.log?.close();
  }

  private fatal(err: unknown): void {
    if (this.stopped) return;
    this.onFatal(err);
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
    this.propose(id, 0, { type: 'createSession', timeOut: timeoutMs, passwd }, undefined, () => done(id, passwd));
  }

  /** Check a reconnecting client's session id and password; touches it on success. */
  revalidate(id: bigint, passwd: Buffer): { timeoutMs: number } | undefined {
    const s = this.db.sessions.get(id);
    if (!s || !s.passwd.equals(passwd)) return undefined;
    if (!this.tracker.touch(id, this.clock.now())) return undefined;
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
    return this.tracker.touch(id, this.clock.now());
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  connectionsList(): SessionConnection[] {
    return [...this.connections.values()];
  }

  private expireSessions(): void {
    for (const id of this.tracker.expire(this.clock.now())) {
      this.proposeCloseSession(id, undefined);
    }
  }

  /** closeSession: from the client (conn set) or by expiry. */
  proposeCloseSession(id: bigint, conn: SessionConnection | undefined, cxid = 0): number {
    this.tracker.setClosing(id);
    return this.propose(id, cxid, this.preparer.prepareCloseSession(id), conn);
  }

  private reapContainers(): void {
    for (const path of this.db.tree.expiredContainersAndTtls(this.clock.now())) {
      const body = this.preparer.prepareReap(path);
      if (body) this.propose(0n, 0, body, undefined);
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
   * Prepare and propose a client write. Returns the txn's zxid; the connection's `writeDone(zxid, …)`
   * runs once the txn is committed and applied.
   */
  submitWrite(conn: SessionConnection, cxid: number, request: Request): number {
    const zxid = this.nextZxid();
    const body = this.preparer.prepare(request, {
      sessionId: conn.sessionId,
      zxid,
      time: this.clock.now(),
      authIds: conn.authIds,
      isSuper: conn.authIds.some((i) => i.scheme === 'super'),
    });
    return this.proposeWithZxid(zxid, conn.sessionId, cxid, body, conn);
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
    this.broadcaster.propose(txn, encodeTxn(txn));
    return zxid;
  }

  /**
   * `sync`: answered once every txn proposed before it has been applied here, so a read after it
   * sees every write committed before the sync.
   */
  sync(done: () => void): void {
    const target = makeZxid(this.epoch, this.counter);
    if (this.db.lastZxid >= target) done();
    else this.syncWaiters.push({ zxid: target, done });
  }

  /** Apply a committed txn and hand results to whoever waits for them. */
  private commit(txn: Txn): void {
    const { result, notifications } = this.db.apply(txn);
    this.preparer.applied(txn.header.zxid);
    this.stats.txnsCommitted++;
    for (const n of notifications) n.watcher.deliver(n.event);

    const body = txn.body;
    if (body.type === 'createSession') {
      this.tracker.add(txn.header.sessionId, body.timeOut, this.clock.now());
    } else if (body.type === 'closeSession') {
      this.tracker.remove(txn.header.sessionId);
    }

    const p = this.pending.get(txn.header.zxid);
    if (p) {
      this.pending.delete(txn.header.zxid);
      this.stats.outstanding--;
      p.onCommitted?.(result);
      p.conn?.writeDone(txn.header.zxid, result);
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
    for (const w of this.syncWaiters) (w.zxid <= last ? w.done() : waiting.push(w));
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

  /** Error code to send for a request that reaches a member which cannot serve writes. */
  static readonly NOT_SERVING = ErrorCode.CONNECTIONLOSS;
}
