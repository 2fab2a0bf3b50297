/**
 * The I/O shell of seat allocation: per-pool request queues, the pool's coordinator lock, and one
 * fenced transaction per batch.
 *
 * Group admission: every op for a pool is queued in this instance. While a drain runs for the pool,
 * new requests only join the queue; the drain takes the lock, then takes EVERYTHING queued at that
 * moment (arrival order at the lock holder is the waitlist order), decides it with the pure
 * `decideSeatOps` and writes it in one transaction, releases the lock after the commit, and goes
 * again while requests are waiting. At the opening minute this costs one lock round trip and one
 * transaction per batch instead of per student. Batches of different pools ready at the same
 * moment share one transaction, each in its own savepoint (database/transaction-group.ts).
 *
 * Overbooking needs three guards to fail at once:
 * 1. the lock (one writer per pool at a time, while sessions are healthy);
 * 2. the fencing token (the lock node's czxid): the transaction's first statement claims the pool's
 *    fence with `fence <= :token`, and the statement that takes the seats repeats that condition,
 *    so a holder that lost its lock (paused past its session timeout) writes nothing;
 * 3. the database: the seat-taking UPDATE is conditional on `taken + :n <= capacity`, and a CHECK
 *    constraint refuses `taken > capacity` whatever statement tries it.
 */
import {
  Lock,
  SessionBinding,
  SessionExpiredError,
  type ClientFactory,
  type LockAcquisition,
  type ZooKeeperClient,
} from '@registrar/coordination';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { decideSeatOps, needsWaitlist } from './seat-decisions.js';
import {
  SeatCountConflictError,
  SeatLockUnavailableError,
  SeatPoolNotFoundError,
  StaleFenceError,
} from './seat-errors.js';
import type {
  PoolCounts,
  SeatChange,
  SeatOp,
  SeatOpResult,
  SeatStatus,
  WaitlistEntry,
} from './seat-model.js';
import type { SeatHoldRow, SeatTables } from './seat-tables.js';
import { TransactionGroup } from '../database/transaction-group.js';
import { NO_STAGE_TIMINGS, type Stage, type StageRecorder } from '../metrics/stage-timings.js';
import { timedClient } from './timed-client.js';

const DEAD_STATES: ReadonlySet<string> = new Set(['EXPIRED', 'CLOSED', 'AUTH_FAILED']);

/** The planted bug that turns the fencing-token check off (tests prove the stale-holder test catches it). */
export const SKIP_FENCE_CHECK = 'skip-fence-check';
/** The planted bug that lets the pool's lock go while the batch's transaction has not committed yet. */
export const RELEASE_LOCK_BEFORE_COMMIT = 'release-lock-before-commit';

export interface SeatAllocatorOptions {
  dataSource: DataSource;
  tables: SeatTables;
  /** Session to lock with. */
  client: ZooKeeperClient;
  /** Makes a new session after ours expired (a paused instance comes back and keeps serving). */
  clientFactory?: ClientFactory | undefined;
  /** The pool's lock znode, e.g. `znodePaths(root).courseLock(id)`. */
  lockPath: (poolId: string) => string;
  /** Stored in our lock nodes, so an operator can see who holds a pool. */
  lockOwner?: string;
  now?: () => Date;
  /** How long a batch waits for the pool's lock before its requests fail with 503. Default 15 s. */
  lockTimeoutMs?: number;
  /** Most ops decided in one transaction. Default 2000. */
  maxBatch?: number;
  /**
   * PLANTED BUG, test only: drop the `fence <= :token` conditions, so a stale holder's write is
   * accepted. Exists to prove the stale-holder test can fail. Never on by default.
   */
  skipFenceCheck?: boolean;
  /**
   * PLANTED BUG, test only: release the pool's lock as the batch's transaction starts instead of
   * after it committed, so the next holder may write before (or while) this batch does. Exists to
   * prove the chaos `enrollment` scenario can see it. Never on by default.
   */
  releaseLockBeforeCommit?: boolean;
  /**
   * Test only: runs after the lock is acquired and before the transaction, i.e. at the worst
   * moment for a pause (the holder has checked its lock and is about to write).
   */
  afterLockAcquired?: (poolId: string, fencingToken: number) => Promise<void>;
  /** Called after every batch (metrics). */
  onBatch?: (info: { poolId: string; size: number; ms: number; ok: boolean }) => void;
  /** Where the time goes (MetricsService.stages): queue, lock, lock round trips, database. */
  stages?: StageRecorder;
}

interface Pending {
  op: SeatOp;
  /** performance.now() at submit, for the seat-queue stage. */
  at: number;
  resolve: (r: SeatOpResult) => void;
  reject: (e: unknown) => void;
}

interface PoolQueue {
  items: Pending[];
}

/**
 * @example
 *   const seats = new SeatAllocator({ dataSource, tables: seatTables('course'), client, clientFactory,
 *     lockPath: (id) => paths.courseLock(id) });
 *   await runTransaction(dataSource, (em) => seats.insertPool(em, courseId, { capacity: 30, waitlistCapacity: 50 }));
 *   const r = await seats.submit(courseId, { kind: 'admit', holderId: studentId }); // { kind: 'seated' } ...
 */
export class SeatAllocator {
  private readonly queues = new Map<string, PoolQueue>();
  private readonly drains = new Set<Promise<void>>();
  private readonly binding: SessionBinding;
  private readonly now: () => Date;
  private readonly stages: StageRecorder;
  private readonly roundTrip: (op: string, seconds: number) => void;
  private readonly writes: TransactionGroup;
  private closed = false;

  constructor(private readonly opts: SeatAllocatorOptions) {
    this.binding = new SessionBinding(opts.client, { clientFactory: opts.clientFactory });
    this.binding.on('error', () => undefined); // the factory is retried; a batch meanwhile fails with 503
    this.now = opts.now ?? (() => new Date());
    this.stages = opts.stages ?? NO_STAGE_TIMINGS;
    this.roundTrip = (op, seconds) => this.stages.roundTrip(op, seconds);
    this.writes = new TransactionGroup(opts.dataSource, {
      onTransaction: ({ seconds }) => this.stages.stage('db-transaction', seconds),
    });
  }

  /** Inserts a new pool row (fence 0) in the caller's transaction. No lock: nobody knows the id yet. */
  async insertPool(
    em: EntityManager,
    poolId: string,
    size: { capacity: number; waitlistCapacity: number },
  ): Promise<void> {
    await em.insert(this.opts.tables.pools, {
      id: poolId,
      capacity: size.capacity,
      taken: 0,
      waitlistCapacity: size.waitlistCapacity,
      waitlisted: 0,
      nextTicket: 1,
      fence: 0,
      updatedAt: this.now(),
    });
  }

  /**
   * Queues `op` for `poolId` and resolves with its result once the batch holding it committed.
   * Rejects with StaleFenceError / SeatLockUnavailableError / SeatCountConflictError (503,
   * retryable: nothing was written) or SeatPoolNotFoundError.
   */
  submit(poolId: string, op: SeatOp): Promise<SeatOpResult> {
    if (this.closed)
      return Promise.reject(new SeatLockUnavailableError(poolId, new Error('allocator closed')));
    let queue = this.queues.get(poolId);
    const start = queue === undefined;
    if (queue === undefined) {
      queue = { items: [] };
      this.queues.set(poolId, queue);
    }
    const q = queue;
    const at = performance.now();
    const result = new Promise<SeatOpResult>((resolve, reject) => q.items.push({ op, at, resolve, reject }));
    if (start) {
      const drain = this.drain(poolId, q).finally(() => this.drains.delete(drain));
      this.drains.add(drain);
    }
    return result;
  }

  /** Stops taking requests, waits for running batches, and closes sessions this allocator made. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.drains);
    await this.binding.close();
  }

  private async drain(poolId: string, queue: PoolQueue): Promise<void> {
    try {
      while (queue.items.length > 0) {
        let lock: Lock;
        let token: number;
        try {
          ({
            lock,
            acquired: { fencingToken: token },
          } = await this.timed('lock-acquire', this.lock(poolId)));
        } catch (e) {
          const error = new SeatLockUnavailableError(poolId, e);
          for (const item of queue.items.splice(0)) item.reject(error);
          continue;
        }
        let early: Promise<void> | undefined;
        try {
          await this.opts.afterLockAcquired?.(poolId, token);
          // Everything that arrived until now, in arrival order.
          const batch = queue.items.splice(0, this.opts.maxBatch ?? 2000);
          const started = performance.now();
          for (const b of batch) this.stages.stage('seat-queue', (started - b.at) / 1000);
          // PLANTED BUG (off unless asked for): the release races the transaction below.
          if (this.opts.releaseLockBeforeCommit === true)
            early = this.timed('lock-release', lock.release()).catch(() => undefined);
          try {
            const results = await this.decideAndWrite(
              poolId,
              batch.map((b) => b.op),
              token,
            );
            this.opts.onBatch?.({ poolId, size: batch.length, ms: performance.now() - started, ok: true });
            batch.forEach((b, i) => b.resolve(results[i]!));
          } catch (e) {
            this.opts.onBatch?.({ poolId, size: batch.length, ms: performance.now() - started, ok: false });
            for (const b of batch) b.reject(e);
          }
        } finally {
          // Only after the commit (or rollback) above: the next holder must see our writes.
          await (early ?? this.timed('lock-release', lock.release()).catch(() => undefined));
        }
      }
    } finally {
      this.queues.delete(poolId);
    }
  }

  /**
   * Acquires the pool's lock. A session that expired (this process was paused, or cut off too long)
   * is replaced by the binding's factory; rather than failing the batch on the dead session, wait for
   * the new one within the lock timeout and contend again.
   */
  private async lock(poolId: string): Promise<{ lock: Lock; acquired: LockAcquisition }> {
    const deadline = Date.now() + (this.opts.lockTimeoutMs ?? 15_000);
    for (;;) {
      const client = this.binding.client;
      const lock = new Lock(
        timedClient(client, this.roundTrip),
        this.opts.lockPath(poolId),
        this.opts.lockOwner !== undefined ? { data: this.opts.lockOwner } : {},
      );
      try {
        const acquired = await lock.acquire({ timeoutMs: Math.max(1, deadline - Date.now()) });
        return { lock, acquired };
      } catch (e) {
        const dead = e instanceof SessionExpiredError || DEAD_STATES.has(client.state);
        if (!dead || this.opts.clientFactory === undefined || Date.now() >= deadline) throw e;
        await this.nextClient(client, deadline);
      }
    }
  }

  /** Resolves once the binding holds a client other than `dead` (or rejects at the deadline). */
  private nextClient(dead: ZooKeeperClient, deadline: number): Promise<void> {
    if (this.binding.client !== dead) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onClient = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(
        () => {
          this.binding.off('client', onClient);
          reject(new Error('no new coordinator session in time'));
        },
        Math.max(1, deadline - Date.now()),
      );
      this.binding.once('client', onClient);
    });
  }

  /**
   * One pool's batch, atomic on its own: claim the fence, load, decide, take the seats with the
   * guarded UPDATE, record. Resolves once the transaction carrying it committed.
   */
  private decideAndWrite(poolId: string, ops: SeatOp[], token: number): Promise<SeatOpResult[]> {
    const { tables } = this.opts;
    const fenced = this.opts.skipFenceCheck !== true;
    const called = performance.now();
    // One unit of the next group transaction (its own savepoint): every pool this instance holds
    // the lock of and has ops for is written under one commit (transaction-group.ts).
    return this.writes.run(poolId, async (em) => {
      const began = performance.now();
      this.stages.stage('db-wait', (began - called) / 1000);
      // Claim the fence first: a stale holder stops here having written nothing, and PostgreSQL
      // locks the pool row until commit (SQLite holds its write lock since BEGIN IMMEDIATE).
      const claim = await em
        .createQueryBuilder()
        .update(tables.pools)
        .set({ fence: token })
        .where('id = :poolId', { poolId })
        .andWhere(fenced ? 'fence <= :token' : '1 = 1', { token })
        .execute();
      if (claim.affected === 0) {
        const exists = await em.findOneBy(tables.pools, { id: poolId });
        if (exists === null) throw new SeatPoolNotFoundError(poolId);
        throw new StaleFenceError(poolId, token);
      }
      const pool = await em.findOneByOrFail(tables.pools, { id: poolId });
      const counts: PoolCounts = {
        capacity: pool.capacity,
        taken: pool.taken,
        waitlistCapacity: pool.waitlistCapacity,
        waitlisted: pool.waitlisted,
        nextTicket: pool.nextTicket,
      };

      const statuses = new Map<string, SeatStatus>();
      const named = [...new Set(ops.flatMap((op) => ('holderId' in op ? [op.holderId] : [])))];
      for (let i = 0; i < named.length; i += 500) {
        const rows = await em.find(tables.holds, {
          select: { holderId: true, status: true },
          where: { poolId, holderId: In(named.slice(i, i + 500)) },
        });
        for (const r of rows) statuses.set(r.holderId, r.status);
      }
      let waitlist: WaitlistEntry[] | undefined;
      if (needsWaitlist(counts, ops)) {
        const rows = await em.find(tables.holds, {
          select: { holderId: true, ticket: true },
          where: { poolId, status: 'waitlisted' },
          order: { ticket: 'ASC' },
        });
        waitlist = rows.map((r) => ({ holderId: r.holderId, ticket: r.ticket ?? 0 }));
        for (const r of rows) statuses.set(r.holderId, 'waitlisted');
      }

      const decision = decideSeatOps({ counts, statuses, waitlist }, ops);
      const after = decision.counts;
      const now = this.now();
      const dTaken = after.taken - counts.taken;
      const dWaitlisted = after.waitlisted - counts.waitlisted;

      // The statement that takes the seats carries all three guards itself.
      const take = await em
        .createQueryBuilder()
        .update(tables.pools)
        .set({
          fence: token,
          taken: () => 'taken + :dTaken',
          waitlisted: () => 'waitlisted + :dWaitlisted',
          capacity: after.capacity,
          waitlistCapacity: after.waitlistCapacity,
          nextTicket: after.nextTicket,
          updatedAt: now,
        })
        .where('id = :poolId', { poolId })
        .andWhere(fenced ? 'fence <= :token' : '1 = 1', { token })
        .andWhere('taken + :dTaken <= :capacity', { dTaken, capacity: after.capacity })
        .andWhere('waitlisted + :dWaitlisted <= :waitlistCapacity', {
          dWaitlisted,
          waitlistCapacity: after.waitlistCapacity,
        })
        .execute();
      if (take.affected === 0) {
        const current = await em.findOneByOrFail(tables.pools, { id: poolId });
        if (current.fence > token) throw new StaleFenceError(poolId, token);
        throw new SeatCountConflictError(poolId);
      }
      await this.record(em, poolId, decision.changes, token, now);
      this.stages.stage('db-batch', (performance.now() - began) / 1000);
      return decision.results;
    });
  }

  /** Resolves as `work` does, recording how long it took under `stage`. */
  private timed<T>(stage: Stage, work: Promise<T>): Promise<T> {
    const started = performance.now();
    const done = () => this.stages.stage(stage, (performance.now() - started) / 1000);
    work.then(done, done);
    return work;
  }

  private async record(
    em: EntityManager,
    poolId: string,
    changes: SeatChange[],
    fence: number,
    now: Date,
  ): Promise<void> {
    if (changes.length === 0) return;
    const { tables } = this.opts;
    // Last state per holder (a holder may change twice in one batch; an upsert may touch a row once).
    const last = new Map<string, SeatChange>();
    for (const c of changes) last.set(c.holderId, c);
    const holds: Partial<SeatHoldRow>[] = [...last.values()].map((c) => ({
      poolId,
      holderId: c.holderId,
      status: c.to,
      ticket: c.to === 'waitlisted' ? c.ticket : null,
      seatedAt: c.to === 'seated' ? now : null,
      createdAt: now,
      updatedAt: now,
    }));
    for (let i = 0; i < holds.length; i += 300) {
      await em
        .createQueryBuilder()
        .insert()
        .into(tables.holds)
        .values(holds.slice(i, i + 300))
        .orUpdate(['status', 'ticket', 'seated_at', 'updated_at'], ['pool_id', 'holder_id'])
        .updateEntity(false)
        .execute();
    }
    const events = changes.map((c) => ({
      poolId,
      holderId: c.holderId,
      fromStatus: c.from,
      toStatus: c.to,
      reason: c.reason,
      fence,
      actorId: c.actorId,
      at: now,
    }));
    for (let i = 0; i < events.length; i += 300) {
      await em
        .createQueryBuilder()
        .insert()
        .into(tables.events)
        .values(events.slice(i, i + 300))
        .updateEntity(false)
        .execute();
    }
  }
}
