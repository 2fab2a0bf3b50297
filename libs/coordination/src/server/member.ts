/**
 * One coordinator member: wires recovery, ZAB, the write pipeline, sessions and housekeeping
 * together, and is what client connections and operator commands talk to. There is one pipeline
 * (DESIGN.md, "the path of a write"): a member without server.N lines is a one-voter ensemble that
 * elects itself, so the same ZabPeer assigns every zxid, persists every txn and commits it.
 *
 *   client request -> EnsembleRouter (leader: prepare + propose; learner: forward)
 *     -> ZabHost/ZabPeer (log, quorum of acks, commit) -> CommitPipeline (apply, watches, replies)
 */
import { SessionTracker } from '../session/session-tracker.js';
import { MemberStorage } from '../storage/member-storage.js';
import type { TxnLog } from '../storage/txn-log.js';
import { RequestPreparer } from '../tree/request-preparer.js';
import { PeerState, type ZabEntry } from '../zab/messages.js';
import type { PeerStatus } from '../zab/ready.js';
import { CommitPipeline, type PipelineHost } from './commit-pipeline.js';
import { EnsembleRouter } from './ensemble-routing.js';
import type { MemberConfig } from './member-config.js';
import type { Clock, MemberDeps, MemberLogger, Rng } from './member-deps.js';
import { MemberMaintenance } from './member-maintenance.js';
import { installReceivedSnapshot, rebuildAfterTruncate, recoverDatabase } from './member-recovery.js';
import { MemberSessions } from './member-sessions.js';
import { newMemberStats, type MemberEvents, type MemberStats } from './member-stats.js';
import { ensembleConfigText, roleOf, statusLine, type MemberRole } from './member-status.js';
import { createZabHost, zabTickMs } from './member-zab.js';
import { ReadExecutor } from './read-executor.js';
import type { SessionConnection } from './session-connection.js';
import { snapshotFrom } from './snapshot-payload.js';
import { systemDeps } from './system-deps.js';
import type { ZabHost } from './zab-host.js';
import type { ZkDatabase } from './zk-database.js';

export type { Clock } from './member-deps.js';
export type { SessionConnection } from './session-connection.js';
export type { TxnDone } from './commit-pipeline.js';
export type { MemberEvents, MemberStats } from './member-stats.js';
export { ensembleConfigText } from './member-status.js';
export { ZAB_TICKS_PER_TICKTIME } from './member-zab.js';

export class Member implements PipelineHost {
  db!: ZkDatabase<SessionConnection>;
  reads!: ReadExecutor<SessionConnection>;
  preparer!: RequestPreparer;
  readonly tracker: SessionTracker;
  storage!: MemberStorage;
  zab!: ZabHost;
  status: PeerStatus | undefined;
  events: MemberEvents = {};
  readonly stats: MemberStats;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: MemberLogger;
  readonly pipeline: CommitPipeline;
  readonly router: EnsembleRouter;
  readonly sessions: MemberSessions;
  readonly maintenance: MemberMaintenance;
  private readonly deps: MemberDeps;
  /** the data /zookeeper/config reads as (ensembles only) */
  private readonly configNodeData: Buffer | undefined;
  serving = false;
  private notServingSince: number;
  private stopped = false;

  constructor(
    readonly config: MemberConfig,
    deps: Partial<MemberDeps> = {},
  ) {
    this.deps = { ...systemDeps(), ...deps };
    this.clock = this.deps.clock;
    this.rng = this.deps.rng;
    this.logger = this.deps.logger;
    this.tracker = new SessionTracker(config.tickTime, {
      earlyExpiry: config.plantedBugs?.earlyExpiry === true,
    });
    this.pipeline = new CommitPipeline(this);
    this.router = new EnsembleRouter(this);
    this.sessions = new MemberSessions(this);
    this.maintenance = new MemberMaintenance(this);
    this.stats = newMemberStats(this.clock.now(), () => this.pipeline.outstanding);
    this.notServingSince = this.clock.now();
    this.configNodeData = config.peers.length > 0 ? Buffer.from(ensembleConfigText(config)) : undefined;
  }

  /** Whether clients may use this member now. */
  get isServing(): boolean {
    return this.serving;
  }

  /** An established leader that serves (a member without peers, once started). */
  get isLeader(): boolean {
    return this.serving && this.zab.peer.isEstablishedLeader;
  }

  get role(): MemberRole {
    return roleOf(this.config, this.status);
  }

  get serverId(): number {
    return this.config.myId;
  }

  get lastZxid(): number {
    return this.db.lastZxid;
  }

  get currentEpoch(): number {
    return this.zab.peer.status.epoch;
  }

  get snapDir(): string {
    return this.storage.snapDir;
  }

  get logDir(): string {
    return this.storage.logDir;
  }

  get log(): TxnLog {
    return this.storage.log;
  }

  /** Recovers from disk and joins (or, alone, forms) the ensemble. */
  async start(): Promise<void> {
    const c = this.config;
    this.storage = await MemberStorage.open({
      dataDir: c.dataDir,
      dataLogDir: c.dataLogDir,
      fsync: c.forceSync,
    });
    const recovered = await recoverDatabase<SessionConnection>(this.storage, { keepTail: true });
    this.replaceDatabase(recovered.db);
    const servingOnce = new Promise<void>((resolve) => (this.onFirstServing = resolve));
    this.zab = await createZabHost({
      config: c,
      deps: this.deps,
      storage: this.storage,
      recovered,
      snapshot: () => snapshotFrom(this.db.lastZxid, this.db.snapshotChunks()),
      // Keep what the peer has not marked committed yet (it reads those back when the commit comes),
      // and what is not applied here (a snapshot must reach the window's base).
      appliedZxid: () => Math.min(this.db.lastZxid, this.zab ? this.zab.peer.committedZxid : 0),
      fatal: (err) => this.fatal(err),
      sink: {
        installSnapshot: async (snap) =>
          this.replaceDatabase(await installReceivedSnapshot<SessionConnection>(this.storage, snap)),
        truncated: async (zxid) => {
          this.pipeline.dropReadAhead();
          if (this.db.lastZxid <= zxid) return;
          // PLANTED BUG (REGISTRAR_PLANTED_BUGS=apply-uncommitted-tail, chaos suite only): recovery
          // applied the whole log, uncommitted tail included; keep that instead of rebuilding.
          if (this.config.plantedBugs?.applyUncommittedTail) return;
          this.replaceDatabase(await rebuildAfterTruncate<SessionConnection>(this.storage, zxid));
        },
        applyCommitted: (e) => this.pipeline.committed(e),
        // PLANTED BUG (REGISTRAR_PLANTED_BUGS=follower-read-ahead, chaos suite only): a follower
        // applies data txns as their proposals arrive (commit-pipeline.ts readAhead).
        ...(c.plantedBugs?.followerReadAhead
          ? {
              logged: (e: ZabEntry) => {
                if (!this.zab.peer.isEstablishedLeader) this.pipeline.readAhead(e);
              },
            }
          : {}),
        statusChanged: (st) => this.statusChanged(st),
        forwarded: (from, data) => this.router.onForwarded(from, data),
        syncDone: (id) => this.router.syncFinished(id, true),
        syncFailed: (id) => this.router.syncFinished(id, false),
      },
    });
    this.maintenance.start(zabTickMs(c));
    await this.zab.start();
    // Alone, this member elects itself at once; it serves once its new epoch is durable.
    if (c.peers.length === 0) await servingOnce;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.maintenance.stop();
    await this.zab?.stop();
    await this.storage?.close();
  }

  // ---- what client connections and operators call (the rest: sessions, router, pipeline) ----

  takeSnapshot(): Promise<void> {
    return this.maintenance.takeSnapshot();
  }

  purge(): Promise<void> {
    return this.maintenance.purge();
  }

  /** A closeSession was applied: the session's connection here ends. */
  sessionClosed(id: bigint): void {
    this.sessions.ended(id);
  }

  /** A txn was applied. */
  applied(): void {
    this.stats.txnsCommitted++;
    this.maintenance.applied();
  }

  proposalLatency(ms: number): void {
    this.events.proposalLatency?.(ms);
  }

  snapshotTaken(ms: number): void {
    this.stats.snapshotsTaken++;
    this.stats.lastSnapshotMs = ms;
  }

  // ---- ZAB's sink -----------------------------------------------------------------------------

  private onFirstServing: () => void = () => {};

  private statusChanged(st: PeerStatus): void {
    const prev = this.status;
    this.status = st;
    this.logger.info(statusLine(this.serverId, st, this.db.lastZxid));
    const wasLeader = prev?.serving === true && prev.state === PeerState.LEADING;
    const isLeader = st.serving && st.state === PeerState.LEADING;
    if (wasLeader !== isLeader) {
      // Changes prepared against our old role's view of the future are void either way.
      this.preparer.reset();
      this.pipeline.forgetProposals();
      this.router.roleChanged();
    }
    if (isLeader && !wasLeader) {
      // The new leader owns expiry: every committed session gets a full timeout from now and no
      // leftover "closing" mark from an earlier term (ZooKeeper builds a fresh tracker per leadership).
      this.tracker.rebuild(this.db.sessions.values(), this.clock.now());
    }
    if (st.serving === this.serving) return;
    this.serving = st.serving;
    if (!st.serving) {
      this.notServingSince = this.clock.now();
      // Requests in flight may never commit (or commit under a new leader): clients retry elsewhere.
      this.pipeline.dropWaiters();
      this.router.stoppedServing();
    } else {
      this.events.electionTime?.(this.clock.now() - this.notServingSince);
      this.onFirstServing();
    }
    this.events.servingChanged?.(st.serving);
  }

  private replaceDatabase(db: ZkDatabase<SessionConnection>): void {
    // At start-up, or while not serving (SNAP/TRUNC happen during sync): no client watches are lost.
    this.db = db;
    this.pipeline.dropReadAhead();
    this.reads = new ReadExecutor(db.tree, this.configNodeData, this.clock.now());
    this.preparer = new RequestPreparer(db.tree, { extendedTypesEnabled: this.config.extendedTypesEnabled });
    const now = this.clock.now();
    for (const id of this.tracker.ids()) if (!db.sessions.has(id)) this.tracker.remove(id);
    for (const s of db.sessions.values()) this.tracker.add(s.id, s.timeoutMs, now);
  }

  private fatal(err: unknown): void {
    if (this.stopped) return;
    this.deps.onFatal(err);
  }
}
