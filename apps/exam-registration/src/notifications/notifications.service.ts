/**
 * Notifications of schedule changes: recorded by the instance that made the change (in the same
 * transaction that marks the change committed), and pushed by EVERY instance to the students
 * connected to it: when an instance's schedule cache sees version V of exam E, it loads the
 * notifications of (E, V) for its connected students and sends them. The writer need not know
 * where a student is connected.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CLOCK, type Clock } from '@registrar/platform';
import { DataSource, In, MoreThan, type EntityManager } from 'typeorm';
import { Registration } from '../registrations/registration.entity.js';
import { ScheduleCache } from '../schedules/schedule-cache.js';
import type { ScheduleChange } from '../schedules/schedule-change.entity.js';
import type { ScheduleSession, ScheduleVersion } from '../schedules/schedule.types.js';
import { Notification, type NotificationPayload } from './notification.entity.js';

type Listener = (n: Notification) => void;

function brief(s: ScheduleSession | undefined) {
  return s === undefined ? null : { sessionId: s.id, startsAt: s.startsAt, endsAt: s.endsAt, room: s.room };
}

function describe(title: string, before: ScheduleSession | undefined, after: ScheduleSession): string {
  const when = `${after.startsAt} - ${after.endsAt} in room ${after.room}`;
  if (before === undefined) return `${title}: your session is now ${after.id}, ${when}`;
  if (before.id !== after.id)
    return `${title}: you were moved from session ${before.id} to ${after.id}, ${when}`;
  return `${title}: session ${after.id} now takes place ${when}`;
}

@Injectable()
export class NotificationsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Notifications');
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(ScheduleCache) private readonly cache: ScheduleCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.cache.on('change', this.onChange);
    this.cache.on('notified', this.onNotified);
  }

  onModuleDestroy(): void {
    this.cache.off('change', this.onChange);
    this.cache.off('notified', this.onNotified);
  }

  /**
   * Records one notification per affected student; idempotent per (change, student).
   * @returns how many students the change notifies (recorded now or before)
   */
  async recordForChange(
    em: EntityManager,
    change: ScheduleChange,
    version: number,
    examTitle: string,
  ): Promise<number> {
    const { plan } = change;
    const schedule = JSON.parse(change.data) as { sessions: ScheduleSession[] };
    const after = new Map(schedule.sessions.map((s) => [s.id, s]));
    const before = new Map(plan.previousSessions.map((s) => [s.id, s]));
    const rows = new Map<
      string,
      { kind: Notification['kind']; from: ScheduleSession | undefined; to: ScheduleSession }
    >();
    for (const r of plan.reassignments)
      rows.set(r.studentId, { kind: 'moved', from: before.get(r.from), to: after.get(r.to)! });
    const changedIds = plan.changed.map((c) => c.sessionId);
    if (changedIds.length > 0) {
      const regs = await em.findBy(Registration, {
        examId: change.examId,
        sessionId: In(changedIds),
        status: 'active',
      });
      for (const reg of regs) {
        if (rows.has(reg.studentId)) continue;
        rows.set(reg.studentId, {
          kind: 'rescheduled',
          from: before.get(reg.sessionId),
          to: after.get(reg.sessionId)!,
        });
      }
    }
    if (rows.size === 0) return 0;
    const already = new Set((await em.findBy(Notification, { changeId: change.id })).map((n) => n.studentId));
    const now = this.clock.now();
    const fresh = [...rows].filter(([studentId]) => !already.has(studentId));
    for (let i = 0; i < fresh.length; i += 200) {
      await em.insert(
        Notification,
        fresh.slice(i, i + 200).map(([studentId, r]) => {
          const payload: NotificationPayload = {
            examId: change.examId,
            examTitle,
            version,
            before: brief(r.from),
            after: brief(r.to),
          };
          return {
            id: randomUUID(),
            studentId,
            examId: change.examId,
            version,
            changeId: change.id,
            kind: r.kind,
            message: describe(examTitle, r.from, r.to).slice(0, 500),
            payload,
            createdAt: now,
            readAt: null,
          };
        }),
      );
    }
    return rows.size;
  }

  /** Live notifications for one student on this instance; returns the unsubscribe function. */
  subscribe(studentId: string, fn: Listener): () => void {
    let set = this.listeners.get(studentId);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(studentId, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(studentId);
    };
  }

  list(studentId: string, opts: { after?: Date; limit?: number } = {}): Promise<Notification[]> {
    return this.dataSource.getRepository(Notification).find({
      where: { studentId, ...(opts.after ? { createdAt: MoreThan(opts.after) } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: opts.limit ?? 200,
    });
  }

  private readonly onChange = (v: ScheduleVersion): void => {
    if (this.listeners.size === 0) return;
    void this.push(v).catch((err) =>
      this.logger.warn(`push of exam ${v.examId} v${v.version} failed: ${String(err)}`),
    );
  };

  /** Recorded late (by recovery): they are all there now, so one read is enough. */
  private readonly onNotified = (examId: string, version: number): void => {
    if (this.listeners.size === 0) return;
    void this.push({ examId, version }, 1).catch((err) =>
      this.logger.warn(`push of exam ${examId} v${version}'s late notifications failed: ${String(err)}`),
    );
  };

  /**
   * The writer publishes the znode first and records the notifications right after, so a short
   * retry covers the race between "seen by our cache" and "recorded". When the writer crashed in
   * between, or settled a lost reply only after a reconnect, the record comes later: that writer
   * (or recovery) announces it and `onNotified` pushes them then. A student's stream drops a
   * notification it has already sent, so the two paths never deliver one twice.
   */
  private async push(v: Pick<ScheduleVersion, 'examId' | 'version'>, attempts = 5): Promise<void> {
    const students = [...this.listeners.keys()];
    for (let attempt = 0; attempt < attempts; attempt++) {
      const rows: Notification[] = [];
      for (let i = 0; i < students.length; i += 500) {
        rows.push(
          ...(await this.dataSource.getRepository(Notification).findBy({
            examId: v.examId,
            version: v.version,
            studentId: In(students.slice(i, i + 500)),
          })),
        );
      }
      if (rows.length > 0 || attempt === attempts - 1) {
        for (const n of rows) for (const fn of this.listeners.get(n.studentId) ?? []) fn(n);
        return;
      }
      // Nothing yet: either nobody connected here is affected, or the writer has not committed them.
      const affected = await this.dataSource
        .getRepository(Registration)
        .countBy({ examId: v.examId, studentId: In(students.slice(0, 500)) });
      if (affected === 0) return;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}
