/**
 * A member's housekeeping: the periodic tasks (session expiry, touch batches, container/TTL
 * reaping, purge), and snapshots every snapCount/2 + random(snapCount/2) applied txns, as ZooKeeper
 * spreads them so that members of an ensemble do not all snapshot at once.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { MemberStorage } from '../storage/member-storage.js';
import type { MemberConfig } from './member-config.js';
import { unitDraw, type Clock, type MemberLogger, type Rng } from './member-deps.js';
import type { EnsembleRouter } from './ensemble-routing.js';
import type { MemberSessions } from './member-sessions.js';
import type { SessionConnection } from './session-connection.js';
import type { RequestPreparer } from '../tree/request-preparer.js';
import type { ZkDatabase } from './zk-database.js';

export interface MaintenanceHost {
  readonly config: MemberConfig;
  readonly db: ZkDatabase<SessionConnection>;
  readonly preparer: RequestPreparer;
  readonly storage: MemberStorage;
  readonly sessions: MemberSessions;
  readonly router: EnsembleRouter;
  readonly isLeader: boolean;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly logger: MemberLogger;
  /** a snapshot finished, taking `ms` */
  snapshotTaken(ms: number): void;
}

/** Snapshot records written between two yields to the event loop (the member keeps serving). */
const RECORDS_PER_YIELD = 2000;

export class MemberMaintenance {
  private readonly timers: NodeJS.Timeout[] = [];
  private txnsSinceSnapshot = 0;
  private threshold = 0;
  private snapshotting = false;
  private stopped = false;

  constructor(private readonly host: MaintenanceHost) {
    this.resetThreshold();
  }

  /** Starts the periodic tasks; `tickMs` is ZAB's tick (touch batches go once per tick). */
  start(tickMs: number): void {
    const c = this.host.config;
    const every = (ms: number, fn: () => void) => this.timers.push(setInterval(fn, ms));
    every(Math.max(10, Math.floor(c.tickTime / 2)), () => this.host.sessions.expire());
    every(tickMs, () => this.host.router.flushTouches());
    every(c.containerCheckIntervalMs, () => this.reap());
    if (c.autopurgePurgeInterval > 0) every(c.autopurgePurgeInterval * 3_600_000, () => void this.purge());
    for (const t of this.timers) t.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
  }

  /** One txn was applied: snapshot when the threshold is reached. */
  applied(): void {
    if (++this.txnsSinceSnapshot >= this.threshold) void this.takeSnapshot();
  }

  /** Leader: proposes the deletion of every empty container and expired TTL node. */
  reap(): void {
    const h = this.host;
    if (!h.isLeader) return;
    for (const path of h.db.tree.expiredContainersAndTtls(h.clock.now())) {
      h.router.proposeOwn(0n, (zxid) => h.preparer.prepareReap(path, zxid));
    }
  }

  /** Rolls the log and writes a fuzzy snapshot while writes continue. */
  async takeSnapshot(): Promise<void> {
    if (this.snapshotting || this.stopped) return;
    this.snapshotting = true;
    this.resetThreshold();
    const h = this.host;
    const started = h.clock.now();
    try {
      await h.storage.snapshot(() => {
        const db = h.db;
        async function* chunks(): AsyncGenerator<Buffer> {
          let n = 0;
          for (const c of db.snapshotChunks()) {
            yield c;
            if (++n % RECORDS_PER_YIELD === 0) await yieldToLoop();
          }
        }
        return { zxid: db.lastZxid, chunks: chunks() };
      });
      h.snapshotTaken(h.clock.now() - started);
      if (h.config.autopurgePurgeInterval > 0) await this.purge();
    } catch (err) {
      h.logger.error('snapshot failed', err);
    } finally {
      this.snapshotting = false;
    }
  }

  async purge(): Promise<void> {
    await this.host.storage.purge(this.host.config.autopurgeSnapRetainCount);
  }

  private resetThreshold(): void {
    const half = Math.floor(this.host.config.snapCount / 2);
    this.threshold = half + Math.floor(unitDraw(this.host.rng) * half);
    this.txnsSinceSnapshot = 0;
  }
}
