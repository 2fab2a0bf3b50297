/**
 * Registering for an exam session, cancelling, and a student's list.
 *
 * A registration holds, in this order: the exam's READ lock (no schedule change can count or move
 * seats meanwhile; registrations of the exam run side by side), the student's lock (one change per
 * student, so the one-session-per-exam and no-overlap rules see a stable set), and, inside the
 * shared allocator, the session pool's lock with its fencing token and the database's capacity
 * guard (group admission batches everyone queued on a pool into one transaction).
 */
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SessionBinding } from '@registrar/coordination';
import {
  CLOCK,
  NotFoundError,
  PlatformConfig,
  runTransaction,
  SeatPoolNotFoundError,
  ZNODE_PATHS,
  type AuthUser,
  type Clock,
  type ZnodePaths,
  retryOnBusy,
} from '@registrar/platform';
import { DataSource, In, type EntityManager } from 'typeorm';
import { COORDINATOR_BINDING } from '../common/coordinator-binding.js';
import { withExamReadLock, withStudentLock } from '../common/coordinator-locks.js';
import type { ExamRegistrationEnv } from '../exam-registration.env.js';
import { Exam } from '../exams/exam.entity.js';
import { ScheduleCache } from '../schedules/schedule-cache.js';
import { ScheduleStore } from '../schedules/schedule-store.js';
import type { ScheduleSession } from '../schedules/schedule.types.js';
import { ExamSeatAllocator } from '../seats/exam-seat-allocator.js';
import { EXAM_SEATS, examSeatTables, sessionPoolId } from '../seats/exam-seats.js';
import { EnrollmentClient } from './enrollment-client.js';
import {
  AlreadyRegisteredError,
  NotEnrolledError,
  OverlappingSessionError,
  RegistrationClosedError,
  SessionFullError,
  SessionStartedError,
} from './registration-errors.js';
import { Registration } from './registration.entity.js';
import { insertRegistration, updateRegistration } from './registration-writes.js';
import { sessionsOverlap } from './sessions-overlap.js';

export interface RegistrationView {
  id: string;
  examId: string;
  sessionId: string;
  studentId: string;
  status: Registration['status'];
  fence: number | null;
  history: Registration['history'];
}

function view(r: Registration): RegistrationView {
  return {
    id: r.id,
    examId: r.examId,
    sessionId: r.sessionId,
    studentId: r.studentId,
    status: r.status,
    fence: r.fence,
    history: r.history,
  };
}

@Injectable()
export class RegistrationsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(COORDINATOR_BINDING) private readonly binding: SessionBinding,
    @Inject(ZNODE_PATHS) private readonly paths: ZnodePaths,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PlatformConfig) private readonly config: PlatformConfig<ExamRegistrationEnv>,
    @Inject(EXAM_SEATS) private readonly seats: ExamSeatAllocator,
    @Inject(ScheduleCache) private readonly cache: ScheduleCache,
    @Inject(ScheduleStore) private readonly store: ScheduleStore,
    @Inject(EnrollmentClient) private readonly enrollment: EnrollmentClient,
  ) {}

  /** One transaction, retried whole on SQLITE_BUSY (platform database/sqlite-busy.ts). */
  private tx<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return retryOnBusy(() => runTransaction(this.dataSource, work));
  }

  async register(examId: string, sessionId: string, user: AuthUser): Promise<RegistrationView> {
    const exam = await this.exam(examId);
    // Cheap checks on the cached schedule first (when this instance has it yet); repeated on the
    // fresh one under the lock, which is the one that counts.
    const cached = this.cache.get(examId);
    if (cached !== undefined) this.openSession(cached.schedule.sessions, examId, sessionId);
    const enrolled = await this.enrollment.isEnrolled({ studentId: user.id, courseId: exam.courseId });
    if (!enrolled.enrolled) throw new NotEnrolledError(exam.courseId);

    return withExamReadLock(this.binding.client, this.paths, examId, async () => {
      // The schedule in force: the read lock was granted after any writer released, on this session.
      const fresh = await this.store.read(examId);
      const session = this.openSession(fresh?.schedule.sessions ?? [], examId, sessionId);
      return withStudentLock(this.binding.client, this.paths, user.id, async () => {
        const mine = await this.reconciledRegistrations(user.id);
        const same = mine.find((r) => r.examId === examId);
        if (same !== undefined) throw new AlreadyRegisteredError(examId, same.sessionId);
        for (const r of mine) {
          const other = this.cache.get(r.examId)?.schedule.sessions.find((s) => s.id === r.sessionId);
          if (other !== undefined && sessionsOverlap(other, session))
            throw new OverlappingSessionError(r.examId, r.sessionId);
        }
        return this.takeSeat(examId, session, user);
      });
    });
  }

  async cancel(examId: string, user: AuthUser): Promise<RegistrationView> {
    await this.exam(examId);
    return withExamReadLock(this.binding.client, this.paths, examId, () =>
      withStudentLock(this.binding.client, this.paths, user.id, async () => {
        await this.reconciledRegistrations(user.id);
        const reg = await this.dataSource
          .getRepository(Registration)
          .findOneBy({ examId, studentId: user.id, status: 'active' });
        if (reg === null) throw new NotFoundError(`you hold no session of exam ${examId}`);
        const session = this.cache.get(examId)?.schedule.sessions.find((s) => s.id === reg.sessionId);
        if (session !== undefined && this.clock.now().getTime() >= Date.parse(session.startsAt)) {
          throw new SessionStartedError(reg.sessionId);
        }
        await this.seats.submit(sessionPoolId(examId, reg.sessionId), {
          kind: 'release',
          holderId: user.id,
          actorId: user.id,
        });
        const at = this.clock.now();
        reg.status = 'cancelled';
        reg.history = [
          ...reg.history,
          { at: at.toISOString(), action: 'cancelled', sessionId: reg.sessionId, by: user.id },
        ];
        reg.updatedAt = at;
        await this.tx((em) => updateRegistration(em, reg));
        return view(reg);
      }),
    );
  }

  /** The student's active registrations with their session as the schedule in force has it. */
  async listFor(studentId: string) {
    const regs = await this.dataSource.getRepository(Registration).find({
      where: { studentId, status: In(['active', 'pending']) },
      order: { createdAt: 'ASC' },
    });
    const exams = await this.dataSource
      .getRepository(Exam)
      .findBy({ id: In([...new Set(regs.map((r) => r.examId))]) });
    const byId = new Map(exams.map((e) => [e.id, e]));
    return regs.map((r) => {
      const v = this.cache.get(r.examId);
      const s = v?.schedule.sessions.find((x) => x.id === r.sessionId);
      return {
        registrationId: r.id,
        examId: r.examId,
        courseId: byId.get(r.examId)?.courseId ?? null,
        title: byId.get(r.examId)?.title ?? null,
        sessionId: r.sessionId,
        status: r.status,
        startsAt: s?.startsAt ?? null,
        endsAt: s?.endsAt ?? null,
        room: s?.room ?? null,
        scheduleVersion: v?.version ?? null,
      };
    });
  }

  private async exam(examId: string): Promise<Exam> {
    const exam = await this.dataSource.getRepository(Exam).findOneBy({ id: examId });
    if (exam === null) throw new NotFoundError(`no exam ${examId}`);
    return exam;
  }

  /** The session, if it exists and registration for it is still open. */
  private openSession(
    sessions: readonly ScheduleSession[],
    examId: string,
    sessionId: string,
  ): ScheduleSession {
    const session = sessions.find((s) => s.id === sessionId);
    if (session === undefined) throw new NotFoundError(`exam ${examId} has no session ${sessionId}`);
    const closesAt = Date.parse(session.startsAt) - this.config.env.EXAM_REGISTRATION_CLOSE_MINUTES * 60_000;
    if (this.clock.now().getTime() >= closesAt)
      throw new RegistrationClosedError(sessionId, new Date(closesAt).toISOString());
    return session;
  }

  /**
   * Row first (pending), then the seat, then the row again: a crash after the seat is taken leaves
   * a pending row that `reconciledRegistrations` settles from the pool (the authority) next time.
   */
  private async takeSeat(
    examId: string,
    session: ScheduleSession,
    user: AuthUser,
  ): Promise<RegistrationView> {
    const repo = this.dataSource.getRepository(Registration);
    const now = this.clock.now();
    const previous = await repo.findOneBy({ examId, studentId: user.id });
    const row: Registration =
      previous ??
      Object.assign(new Registration(), {
        id: randomUUID(),
        examId,
        studentId: user.id,
        history: [],
        createdAt: now,
        fence: null,
      });
    const restore = previous === null ? undefined : { ...previous };
    Object.assign(row, { sessionId: session.id, status: 'pending', updatedAt: now });
    await this.tx((em) => (previous === null ? insertRegistration(em, row) : updateRegistration(em, row)));

    const poolId = sessionPoolId(examId, session.id);
    let result;
    try {
      result = await this.admit(poolId, session, user.id);
    } catch (err) {
      await this.undoPending(row, restore);
      throw err;
    }
    if (result.kind !== 'seated' && !(result.kind === 'refused' && result.reason === 'already-seated')) {
      await this.undoPending(row, restore);
      throw new SessionFullError(session.id);
    }
    const fence = await this.fenceOf(poolId, user.id);
    const at = this.clock.now();
    row.status = 'active';
    row.fence = fence;
    row.history = [
      ...row.history,
      { at: at.toISOString(), action: 'registered', sessionId: session.id, fence, by: user.id },
    ];
    row.updatedAt = at;
    await this.tx((em) => updateRegistration(em, row));
    return view(row);
  }

  private async admit(poolId: string, session: ScheduleSession, studentId: string) {
    try {
      return await this.seats.submit(poolId, { kind: 'admit', holderId: studentId, actorId: studentId });
    } catch (err) {
      if (!(err instanceof SeatPoolNotFoundError)) throw err;
      // A schedule written outside this service (no pool yet): create it at the schedule's size.
      // (Read outside the transaction: see registration-writes.ts. A racing creator's insert wins.)
      if ((await this.dataSource.manager.findOneBy(examSeatTables.pools, { id: poolId })) === null) {
        await this.tx((em) =>
          this.seats.insertPool(em, poolId, { capacity: session.seats, waitlistCapacity: 0 }),
        ).catch(() => undefined);
      }
      return this.seats.submit(poolId, { kind: 'admit', holderId: studentId, actorId: studentId });
    }
  }

  private async undoPending(row: Registration, restore: Registration | undefined): Promise<void> {
    await this.tx(async (em) => {
      if (restore === undefined) await em.delete(Registration, { id: row.id });
      else await updateRegistration(em, Object.assign(row, restore));
    });
  }

  /** The fencing token of the allocator write that seated this student. */
  private async fenceOf(poolId: string, holderId: string): Promise<number | null> {
    const last = await this.dataSource.manager.findOne(examSeatTables.events, {
      where: { poolId, holderId, toStatus: 'seated' },
      order: { id: 'DESC' },
    });
    return last?.fence ?? null;
  }

  /**
   * The student's active registrations after settling any pending row left by a crash: the seat
   * pool says whether the desk was taken. Caller holds the student's lock.
   */
  private async reconciledRegistrations(studentId: string): Promise<Registration[]> {
    const repo = this.dataSource.getRepository(Registration);
    const rows = await repo.findBy({ studentId, status: In(['active', 'pending']) });
    for (const r of rows.filter((x) => x.status === 'pending')) {
      const hold = await this.dataSource.manager.findOneBy(examSeatTables.holds, {
        poolId: sessionPoolId(r.examId, r.sessionId),
        holderId: studentId,
      });
      const at = this.clock.now();
      if (hold?.status === 'seated') {
        r.status = 'active';
        r.fence = await this.fenceOf(sessionPoolId(r.examId, r.sessionId), studentId);
        r.history = [
          ...r.history,
          {
            at: at.toISOString(),
            action: 'registered',
            sessionId: r.sessionId,
            fence: r.fence,
            by: 'recovery',
          },
        ];
      } else {
        r.status = 'cancelled';
      }
      r.updatedAt = at;
      await this.tx((em) => updateRegistration(em, r));
    }
    return rows.filter((r) => r.status === 'active');
  }
}
