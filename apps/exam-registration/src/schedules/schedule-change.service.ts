/**
 * `PUT /api/exams/:id/schedule`: a schedule write that may move registrations.
 *
 * Atomicity across the coordinator and the database. There is no transaction spanning both, so
 * the change is made recoverable instead, with a write-ahead record:
 *
 *   1. take the exam's WRITE lock (registrations and cancellations of this exam hold the read
 *      side, so the registrations counted in step 3 cannot change until we are done);
 *   2. resolve any change a crashed writer left pending (below);
 *   3. read the znode (after a sync): If-Match must equal its version, else 412 with it;
 *      plan against the seated holders (409 when students would lose a seat without a move);
 *   4. insert the write-ahead row `exam_schedule_changes` (pending: base version, the exact bytes
 *      to write, the plan with every registration move and capacity change);
 *   5. apply the database side through the shared seat allocator (fenced, per pool): new pools,
 *      capacity increases, moves (admit in the target, then release in the source), decreases;
 *   6. write the znode: one multi (history child + setData with the base version);
 *   7. mark the row committed and create the students' notifications.
 *
 * Failure at 5 or a stale version at 6 undoes step 5 (each step has an exact inverse, and both
 * directions are idempotent) and marks the row aborted. A lost reply at 6 is settled by reading
 * back: the history child `v-<base+1>` holding our exact bytes means committed. A crash anywhere
 * leaves the row pending; the next writer of that exam (and each instance at boot) resolves it
 * under the write lock by the same read-back: committed -> step 7; not committed -> undo + aborted.
 * The znode is written last because it is what everybody acts on (caches, SSE, registrations): the
 * schedule never names a state the database does not have. Between 5 and 6 the database is ahead
 * (a moved student's row already points at the new session), which only the writer can observe
 * because it holds the write lock.
 *
 * Why not znode first: a schedule published before its moves are in the database would show
 * students a session they have no desk in, and a crash there would need a roll-forward against
 * registrations that may have changed since. Why not a single coordinator multi carrying the
 * moves: seats live in the database, whose own guards (fence, capacity CHECK) must see them.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  ConnectionLossError,
  NoNodeError,
  OperationTimeoutError,
  SessionExpiredError,
  type SessionBinding,
} from '@registrar/coordination';
import {
  BadRequestError,
  CLOCK,
  ConflictError,
  PlatformConfig,
  NotFoundError,
  PreconditionFailedError,
  runTransaction,
  ServiceUnavailableError,
  ZNODE_PATHS,
  type AuthUser,
  type Clock,
  type ZnodePaths,
  retryOnBusy,
} from '@registrar/platform';
import { DataSource, In, type EntityManager } from 'typeorm';
import { COORDINATOR_BINDING } from '../common/coordinator-binding.js';
import type { ExamRegistrationEnv } from '../exam-registration.env.js';
import { withExamWriteLock } from '../common/coordinator-locks.js';
import { Exam } from '../exams/exam.entity.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { Registration } from '../registrations/registration.entity.js';
import { updateRegistration } from '../registrations/registration-writes.js';
import { ExamSeatAllocator } from '../seats/exam-seat-allocator.js';
import { EXAM_SEATS, examSeatTables, sessionPoolId } from '../seats/exam-seats.js';
import { scheduleEtag } from './if-match.js';
import { ScheduleCache } from './schedule-cache.js';
import { ScheduleChange, type CapacityChange } from './schedule-change.entity.js';
import { decodeSchedule, encodeSchedule } from './schedule-codec.js';
import { planScheduleChange, type HeldSeat, type SchedulePlan } from './schedule-plan.js';
import { sessionsOverlap } from '../registrations/sessions-overlap.js';
import { ScheduleStore, StaleScheduleError } from './schedule-store.js';
import { scheduleTooLarge, validateScheduleInput } from './schedule-validator.js';
import type { ScheduleSession, ScheduleVersion, StoredSchedule } from './schedule.types.js';

/** A student whose new session overlaps one they hold in another exam. */
export interface Clash {
  studentId: string;
  sessionId: string;
  otherExamId: string;
  otherSessionId: string;
}

/** 409 for a change that would give students overlapping exams; `force: true` overrides it. */
export function clashError(clashes: Clash[]): ConflictError {
  const shown = clashes
    .slice(0, 10)
    .map(
      (c) =>
        `${c.studentId} (session ${c.sessionId} overlaps exam ${c.otherExamId} session ${c.otherSessionId})`,
    );
  const more = clashes.length > shown.length ? ` and ${clashes.length - shown.length} more` : '';
  return new ConflictError(
    `${clashes.length} student(s) would have overlapping exams: ${shown.join(', ')}${more}; ` +
      'send force: true to save anyway',
    { reason: 'clashes', clashes },
  );
}

/** The 412 body carries the schedule in force, so the client can merge and retry. */
export function scheduleBody(v: ScheduleVersion) {
  return {
    examId: v.examId,
    version: v.version,
    sessions: v.schedule.sessions,
    updatedBy: v.schedule.updatedBy,
    updatedAt: v.schedule.updatedAt,
  };
}

function unknownOutcome(err: unknown): boolean {
  return (
    err instanceof ConnectionLossError ||
    err instanceof OperationTimeoutError ||
    err instanceof SessionExpiredError
  );
}

@Injectable()
export class ScheduleChangeService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ScheduleChange');

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(COORDINATOR_BINDING) private readonly binding: SessionBinding,
    @Inject(ZNODE_PATHS) private readonly paths: ZnodePaths,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EXAM_SEATS) private readonly seats: ExamSeatAllocator,
    @Inject(ScheduleStore) private readonly store: ScheduleStore,
    @Inject(ScheduleCache) private readonly cache: ScheduleCache,
    @Inject(NotificationsService) private readonly notifications: NotificationsService,
    @Inject(PlatformConfig) private readonly config: PlatformConfig<ExamRegistrationEnv>,
  ) {}

  /** One transaction, retried whole on SQLITE_BUSY (platform database/sqlite-busy.ts). */
  private tx<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return retryOnBusy(() => runTransaction(this.dataSource, work));
  }

  /** Test-only stop at a crash point (SCHEDULE_TEST_PAUSE_AT / _MS); a no-op otherwise. */
  private async testPause(at: 'before-znode' | 'after-znode'): Promise<void> {
    const { SCHEDULE_TEST_PAUSE_AT: where, SCHEDULE_TEST_PAUSE_MS: ms } = this.config.env;
    if (where === at && ms > 0) {
      this.logger.warn(`TEST PAUSE ${at} for ${ms} ms`);
      await new Promise((r) => setTimeout(r, ms));
    }
  }

  /** Pending changes left by a crashed writer are resolved in the background at boot. */
  onApplicationBootstrap(): void {
    void this.recoverAll().catch((err) => this.logger.warn(`recovery at boot failed: ${String(err)}`));
  }

  /**
   * @returns the new version, and when the coordinator acknowledged it (Date.now(), the clock every process on the host shares,
   *   for push-latency measurements: the answer itself leaves later, after the commit record)
   */
  async update(
    examId: string,
    baseVersion: number,
    body: unknown,
    user: AuthUser,
  ): Promise<ScheduleVersion & { ackedAtMs: number; clashes: Clash[] }> {
    const checked = validateScheduleInput(body);
    if (!checked.ok) throw new BadRequestError(checked.errors.join('; '), { details: checked.errors });
    const input = checked.value;
    const exam = await this.dataSource.getRepository(Exam).findOneBy({ id: examId });
    if (exam === null) throw new NotFoundError(`no exam ${examId}`);
    const next: StoredSchedule = {
      examId,
      sessions: input.sessions,
      updatedBy: user.id,
      updatedAt: this.clock.now().toISOString(),
    };
    const data = encodeSchedule(next);
    const tooLarge = scheduleTooLarge(data);
    if (tooLarge !== undefined) throw new BadRequestError(tooLarge);

    let ackedAtMs = 0;
    let clashes: Clash[] = [];
    const written = await withExamWriteLock(this.binding.client, this.paths, examId, async () => {
      await this.recoverExam(examId);
      const current = await this.store.read(examId);
      if (current === undefined) throw new NotFoundError(`exam ${examId} has no schedule`);
      if (current.version !== baseVersion) throw this.stale(current, baseVersion);

      const held = await this.seatedHolders(
        examId,
        current,
        input.sessions.map((s) => s.id),
      );
      const planned = planScheduleChange(current.schedule.sessions, input.sessions, held, input.moves);
      if (!planned.ok)
        throw new ConflictError(planned.conflicts.join('; '), { conflicts: planned.conflicts });
      const capacities = capacityChanges(current.schedule, next);
      clashes = await this.clashesOf(examId, planned.plan, input.sessions);
      // Refused before anything is written (no pending row, no seat moved).
      if (clashes.length > 0 && !input.force) throw clashError(clashes);
      const now = this.clock.now();
      const change: ScheduleChange = Object.assign(new ScheduleChange(), {
        id: randomUUID(),
        examId,
        baseVersion,
        data,
        plan: { ...planned.plan, capacities, previousSessions: current.schedule.sessions },
        status: 'pending' as const,
        createdBy: user.id,
        createdAt: now,
        updatedAt: now,
      });
      await this.tx((em) => em.insert(ScheduleChange, change));

      try {
        await this.applyDatabaseSide(change, user.id);
      } catch (err) {
        await this.abort(change, `database side failed: ${String(err)}`);
        throw err;
      }
      await this.testPause('before-znode');
      let result: ScheduleVersion | undefined;
      let late = false;
      try {
        result = await this.store.write(next, baseVersion);
        ackedAtMs = Date.now();
        await this.testPause('after-znode');
      } catch (err) {
        if (err instanceof StaleScheduleError) {
          // Only a writer that bypasses the lock (zkCli, another tool) gets here.
          await this.abort(change, 'znode changed under the lock');
          const fresh = await this.store.read(examId);
          throw fresh ? this.stale(fresh, baseVersion) : new NotFoundError(`exam ${examId} has no schedule`);
        }
        if (!unknownOutcome(err)) {
          await this.abort(change, `znode write failed: ${String(err)}`);
          throw err;
        }
        result = await this.settleUnknownOutcome(change, next);
        ackedAtMs = Date.now();
        if (result === undefined) {
          throw new ServiceUnavailableError(
            'the coordinator did not confirm the schedule write; nothing changed, retry',
          );
        }
        // Settling may take seconds: the caches may have given up on this version's notifications.
        late = true;
      }
      await this.commit(change, result, exam.title, late);
      return result;
    });
    // Read-your-writes on this instance: its cache (and SSE) hold the new version before we answer.
    await this.cache.waitForVersion(examId, written.version, 2_000);
    return { ...written, ackedAtMs, clashes };
  }

  /**
   * Students whose new time in this exam overlaps a session they hold in another exam (moved
   * students and those of rescheduled sessions). A registration that overlaps is refused, so a
   * schedule change that creates one is refused too (409 with this list) unless the officer sends
   * `force: true`: they have seen the list and will sort those students out (one student must not
   * be able to block a room change for everyone). A forced change still lists them in the answer.
   */
  private async clashesOf(examId: string, plan: SchedulePlan, sessions: ScheduleSession[]): Promise<Clash[]> {
    const after = new Map(sessions.map((s) => [s.id, s]));
    const target = new Map<string, string>();
    for (const r of plan.reassignments) target.set(r.studentId, r.to);
    const changedIds = plan.changed.map((c) => c.sessionId);
    if (changedIds.length > 0) {
      const regs = await this.dataSource
        .getRepository(Registration)
        .findBy({ examId, sessionId: In(changedIds), status: 'active' });
      for (const r of regs) if (!target.has(r.studentId)) target.set(r.studentId, r.sessionId);
    }
    if (target.size === 0) return [];
    const others = await this.dataSource
      .getRepository(Registration)
      .findBy({ studentId: In([...target.keys()]), status: 'active' });
    const out: Clash[] = [];
    for (const o of others) {
      if (o.examId === examId) continue;
      const mine = after.get(target.get(o.studentId)!);
      const theirs = this.cache.get(o.examId)?.schedule.sessions.find((s) => s.id === o.sessionId);
      if (mine !== undefined && theirs !== undefined && sessionsOverlap(mine, theirs)) {
        out.push({
          studentId: o.studentId,
          sessionId: mine.id,
          otherExamId: o.examId,
          otherSessionId: o.sessionId,
        });
      }
    }
    return out;
  }

  private stale(current: ScheduleVersion, asked: number): PreconditionFailedError {
    return new PreconditionFailedError(
      `schedule of exam ${current.examId} is at version ${current.version}, not ${asked}`,
      { current: scheduleBody(current) },
      { ETag: scheduleEtag(current.version) },
    );
  }

  /** Seated desks in every pool the old or new schedule names, oldest seat first. */
  private async seatedHolders(
    examId: string,
    current: ScheduleVersion,
    newIds: string[],
  ): Promise<HeldSeat[]> {
    const ids = [...new Set([...current.schedule.sessions.map((s) => s.id), ...newIds])];
    const poolIds = ids.map((id) => sessionPoolId(examId, id));
    const holds = await this.dataSource.manager.find(examSeatTables.holds, {
      where: { poolId: In(poolIds), status: 'seated' },
      order: { seatedAt: 'ASC', holderId: 'ASC' },
    });
    const regs = await this.dataSource
      .getRepository(Registration)
      .findBy({ examId, status: In(['active', 'pending']) });
    const regOf = new Map(regs.map((r) => [r.studentId, r]));
    return holds.map((h) => ({
      registrationId: regOf.get(h.holderId)?.id ?? `seat:${h.holderId}`,
      studentId: h.holderId,
      sessionId: h.poolId.slice(examId.length + 1),
    }));
  }

  /** Step 5, idempotent: each op is a no-op when already applied. */
  private async applyDatabaseSide(change: ScheduleChange, actorId: string): Promise<void> {
    const { examId } = change;
    const { capacities, reassignments } = change.plan;
    await this.ensurePools(
      examId,
      capacities.map((c) => ({ sessionId: c.sessionId, capacity: 0 })),
    );
    await this.resizeAll(
      examId,
      capacities.filter((c) => c.after >= (c.before ?? 0)).map((c) => [c.sessionId, c.after]),
      actorId,
    );
    await this.moveSeats(
      examId,
      reassignments.map((r) => ({ studentId: r.studentId, from: r.from, to: r.to })),
      actorId,
      change.id,
    );
    await this.resizeAll(
      examId,
      capacities.filter((c) => c.after < (c.before ?? 0)).map((c) => [c.sessionId, c.after]),
      actorId,
    );
  }

  /** The exact inverse of step 5, also idempotent. */
  private async undoDatabaseSide(change: ScheduleChange, actorId: string | null): Promise<void> {
    const { examId } = change;
    const { capacities, reassignments } = change.plan;
    const actor = actorId ?? 'recovery';
    await this.resizeAll(
      examId,
      capacities.filter((c) => c.after < (c.before ?? 0)).map((c) => [c.sessionId, c.before ?? 0]),
      actor,
    );
    await this.moveSeats(
      examId,
      reassignments.map((r) => ({ studentId: r.studentId, from: r.to, to: r.from })),
      actor,
      change.id,
    );
    await this.resizeAll(
      examId,
      capacities.filter((c) => c.after >= (c.before ?? 0)).map((c) => [c.sessionId, c.before ?? 0]),
      actor,
    );
  }

  private async ensurePools(examId: string, pools: { sessionId: string; capacity: number }[]): Promise<void> {
    if (pools.length === 0) return;
    const ids = pools.map((p) => sessionPoolId(examId, p.sessionId));
    // Read outside the transaction, write inside (see registrations/registration-writes.ts);
    // pools of an exam are only created under its write lock, so nobody races us here.
    const existing = new Set(
      (await this.dataSource.manager.findBy(examSeatTables.pools, { id: In(ids) })).map((p) => p.id),
    );
    const missing = pools.filter((p) => !existing.has(sessionPoolId(examId, p.sessionId)));
    if (missing.length === 0) return;
    await this.tx(async (em) => {
      for (const p of missing) {
        await this.seats.insertPool(em, sessionPoolId(examId, p.sessionId), {
          capacity: p.capacity,
          waitlistCapacity: 0,
        });
      }
    });
  }

  private async resizeAll(examId: string, sizes: [string, number][], actorId: string): Promise<void> {
    const results = await Promise.all(
      sizes.map(([sessionId, capacity]) =>
        this.seats.submit(sessionPoolId(examId, sessionId), { kind: 'resize', capacity, actorId }),
      ),
    );
    results.forEach((r, i) => {
      if (r.kind === 'resize-refused') {
        throw new ConflictError(
          `session ${sizes[i]![0]} cannot shrink to ${sizes[i]![1]} seats: ${r.reason}`,
        );
      }
    });
  }

  /** Admit in the target first, then release in the source: a student is never without a desk. */
  private async moveSeats(
    examId: string,
    moves: { studentId: string; from: string; to: string }[],
    actorId: string,
    changeId: string,
  ): Promise<void> {
    if (moves.length === 0) return;
    const admitted = await Promise.all(
      moves.map((m) =>
        this.seats.submit(sessionPoolId(examId, m.to), { kind: 'admit', holderId: m.studentId, actorId }),
      ),
    );
    admitted.forEach((r, i) => {
      if (r.kind !== 'seated' && !(r.kind === 'refused' && r.reason === 'already-seated')) {
        throw new ConflictError(
          `could not move ${moves[i]!.studentId} into session ${moves[i]!.to}: ${JSON.stringify(r)}`,
        );
      }
    });
    await Promise.all(
      moves.map((m) =>
        this.seats.submit(sessionPoolId(examId, m.from), { kind: 'release', holderId: m.studentId, actorId }),
      ),
    );
    const at = this.clock.now();
    const regs = await this.dataSource
      .getRepository(Registration)
      .findBy({ examId, studentId: In(moves.map((m) => m.studentId)) });
    const byStudent = new Map(regs.map((r) => [r.studentId, r]));
    // Rows are prepared before the transaction, which may run more than once (retryOnBusy).
    const updated: Registration[] = [];
    for (const m of moves) {
      const reg = byStudent.get(m.studentId);
      if (reg === undefined || reg.sessionId === m.to) continue;
      reg.history = [
        ...reg.history,
        {
          at: at.toISOString(),
          action: 'moved',
          sessionId: m.from,
          toSessionId: m.to,
          by: `change:${changeId}`,
        },
      ];
      reg.sessionId = m.to;
      reg.updatedAt = at;
      updated.push(reg);
    }
    if (updated.length === 0) return;
    await this.tx(async (em) => {
      for (const reg of updated) await updateRegistration(em, reg);
    });
  }

  /**
   * The reply to our multi was lost: reconnect (bounded), then look. Our bytes in `v-<base+1>`
   * mean it committed; anything else means it did not (after a sync nothing of ours is in flight).
   */
  private async settleUnknownOutcome(
    change: ScheduleChange,
    next: StoredSchedule,
  ): Promise<ScheduleVersion | undefined> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const done = await this.store.committed(next, change.baseVersion);
        if (done !== undefined) return done;
        await this.abort(change, 'znode write did not commit');
        return undefined;
      } catch (err) {
        if (Date.now() > deadline) {
          this.logger.warn(
            `change ${change.id} left pending: coordinator unreachable (${String(err)}); resolved by the next writer`,
          );
          return undefined;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /**
   * Marks the change committed and records its notifications. Every instance pushes them when its
   * cache sees the version, and waits a little for this record; a `late` commit (recovery of a
   * crashed writer's change, or a reply settled after a reconnect) comes after they stopped
   * waiting, so it is announced through the coordinator and every instance pushes it then.
   */
  private async commit(
    change: ScheduleChange,
    written: ScheduleVersion,
    examTitle: string,
    late: boolean,
  ): Promise<void> {
    // The UPDATE comes first so the transaction holds SQLite's write lock before it reads.
    const recorded = await this.tx(async (em) => {
      await em.update(
        ScheduleChange,
        { id: change.id },
        { status: 'committed', updatedAt: this.clock.now() },
      );
      return this.notifications.recordForChange(em, change, written.version, examTitle);
    });
    if (!late || recorded === 0) return;
    // Best effort: the notifications are recorded either way (listed, and replayed on reconnect).
    await this.store
      .announceNotified(change.examId, written.version)
      .catch((err) =>
        this.logger.warn(
          `live push of exam ${change.examId} v${written.version}'s notifications not announced: ${String(err)}`,
        ),
      );
  }

  private async abort(change: ScheduleChange, why: string): Promise<void> {
    this.logger.warn(`schedule change ${change.id} of exam ${change.examId} aborted: ${why}`);
    await this.undoDatabaseSide(change, change.createdBy);
    await this.tx((em) =>
      em.update(ScheduleChange, { id: change.id }, { status: 'aborted', updatedAt: this.clock.now() }),
    );
  }

  /** Resolves pending changes of one exam; the caller holds the exam's write lock. */
  private async recoverExam(examId: string): Promise<void> {
    const pending = await this.dataSource
      .getRepository(ScheduleChange)
      .find({ where: { examId, status: 'pending' }, order: { createdAt: 'ASC' } });
    for (const change of pending) {
      const schedule = decodeSchedule(Buffer.from(change.data), examId);
      const done = schedule && (await this.store.committed({ ...schedule, examId }, change.baseVersion));
      if (done) {
        const exam = await this.dataSource.getRepository(Exam).findOneBy({ id: examId });
        await this.commit(change, done, exam?.title ?? examId, true);
        this.logger.log(`recovered schedule change ${change.id}: committed as version ${done.version}`);
      } else {
        await this.abort(change, 'found pending after a crash and not in the coordinator');
      }
    }
  }

  private async recoverAll(): Promise<void> {
    const pending = await this.dataSource
      .getRepository(ScheduleChange)
      .find({ where: { status: 'pending' }, select: { examId: true } });
    for (const examId of new Set(pending.map((p) => p.examId))) {
      await withExamWriteLock(this.binding.client, this.paths, examId, () => this.recoverExam(examId)).catch(
        (err) => {
          if (!(err instanceof NoNodeError))
            this.logger.warn(`recovery of exam ${examId} failed: ${String(err)}`);
        },
      );
    }
  }
}

/** Seat-pool capacities the new schedule implies (0 for a dropped session). */
export function capacityChanges(before: StoredSchedule, after: StoredSchedule): CapacityChange[] {
  const old = new Map(before.sessions.map((s) => [s.id, s.seats]));
  const out: CapacityChange[] = after.sessions.map((s) => ({
    sessionId: s.id,
    before: old.get(s.id) ?? null,
    after: s.seats,
  }));
  const kept = new Set(after.sessions.map((s) => s.id));
  for (const s of before.sessions)
    if (!kept.has(s.id)) out.push({ sessionId: s.id, before: s.seats, after: 0 });
  return out;
}
