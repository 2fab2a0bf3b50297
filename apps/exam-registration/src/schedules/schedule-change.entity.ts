import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Reassignment, SessionChange } from './schedule-plan.js';
import type { ScheduleSession } from './schedule.types.js';

/** Seat-pool capacity before and after a change (after = 0 for a dropped session). */
export interface CapacityChange {
  sessionId: string;
  before: number | null;
  after: number;
}

/**
 * Write-ahead record of a schedule change: written (pending) before the database side of the change
 * is applied and before the znode is written; marked committed or aborted afterwards. A pending row
 * found later (the writer died in between) is resolved under the exam's write lock: committed when
 * the znode holds exactly `data` at `baseVersion + 1`, otherwise its database side is undone.
 */
@Entity({ name: 'exam_schedule_changes' })
@Index('exam_schedule_changes_by_exam', ['examId', 'status'])
export class ScheduleChange {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'exam_id', type: 'varchar', length: 36 })
  examId!: string;

  @Column({ name: 'base_version', type: 'integer' })
  baseVersion!: number;

  /** The exact bytes written to the znode. */
  @Column({ type: 'text' })
  data!: string;

  @Column({
    type: 'text',
    transformer: { to: (v: unknown) => JSON.stringify(v), from: (v: string) => JSON.parse(v) },
  })
  plan!: {
    reassignments: Reassignment[];
    capacities: CapacityChange[];
    changed: SessionChange[];
    dropped: string[];
    /** The sessions being replaced (for the notifications of moved students). */
    previousSessions: ScheduleSession[];
  };

  @Column({ type: 'varchar', length: 16 })
  status!: 'pending' | 'committed' | 'aborted';

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'updated_at' })
  updatedAt!: Date;
}
