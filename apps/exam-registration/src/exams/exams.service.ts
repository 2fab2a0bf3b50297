/**
 * Exams in the database; each exam's schedule znode is created with it (version 0, no sessions),
 * so every schedule write is a versioned setData and `If-Match: "0"` is the first one.
 */
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  CLOCK,
  NotFoundError,
  runTransaction,
  type AuthUser,
  type Clock,
  retryOnBusy,
} from '@registrar/platform';
import { DataSource, In, type EntityManager } from 'typeorm';
import { examSeatTables, sessionPoolId } from '../seats/exam-seats.js';
import { ScheduleStore } from '../schedules/schedule-store.js';
import type { CreateExamDto } from './create-exam.dto.js';
import { Exam } from './exam.entity.js';

@Injectable()
export class ExamsService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ScheduleStore) private readonly store: ScheduleStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** One transaction, retried whole on SQLITE_BUSY (platform database/sqlite-busy.ts). */
  private tx<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return retryOnBusy(() => runTransaction(this.dataSource, work));
  }

  /**
   * The znode first, then the row: a failed insert leaves an empty schedule nobody can reach (no
   * exam row), which is harmless; the reverse order would leave an exam without a schedule.
   */
  async create(dto: CreateExamDto, user: AuthUser): Promise<Exam> {
    const id = randomUUID();
    const now = this.clock.now();
    await this.store.create({ examId: id, sessions: [], updatedBy: user.id, updatedAt: now.toISOString() });
    const exam = Object.assign(new Exam(), {
      id,
      courseId: dto.courseId,
      title: dto.title,
      durationMin: dto.durationMin ?? null,
      createdBy: user.id,
      createdAt: now,
    });
    await this.tx((em) => em.insert(Exam, exam));
    return exam;
  }

  list(opts: { courseId?: string; offset?: number; limit?: number }): Promise<[Exam[], number]> {
    return this.dataSource.getRepository(Exam).findAndCount({
      where: opts.courseId !== undefined ? { courseId: opts.courseId } : {},
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: opts.offset ?? 0,
      take: opts.limit ?? 50,
    });
  }

  async get(id: string): Promise<Exam> {
    const exam = await this.dataSource.getRepository(Exam).findOneBy({ id });
    if (exam === null) throw new NotFoundError(`no exam ${id}`);
    return exam;
  }

  /** Desks taken per session id (from the seat pools: the authority on who holds a desk). */
  async seatsTaken(examId: string, sessionIds: string[]): Promise<Record<string, number>> {
    if (sessionIds.length === 0) return {};
    const pools = await this.dataSource.manager.findBy(examSeatTables.pools, {
      id: In(sessionIds.map((id) => sessionPoolId(examId, id))),
    });
    const taken = new Map(pools.map((p) => [p.id, p.taken]));
    return Object.fromEntries(sessionIds.map((id) => [id, taken.get(sessionPoolId(examId, id)) ?? 0]));
  }
}
