import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '@registrar/platform';

/** One entry of a registration's history (kept on the row: who did what, when, under which token). */
export interface RegistrationHistoryEntry {
  at: string;
  action: 'registered' | 'cancelled' | 'moved' | 'rescheduled';
  sessionId: string;
  toSessionId?: string;
  fence?: number | null;
  by?: string | null;
}

/**
 * A student's registration for one exam (one row per exam and student; re-registering after a
 * cancellation reuses it and appends to `history`). `pending` marks the moment between the row and
 * the seat: if the process dies there, the next change for this student reconciles it with the
 * seat pool, which is the authority on who holds a desk.
 */
@Entity({ name: 'exam_registrations' })
@Index('exam_registrations_exam_student', ['examId', 'studentId'], { unique: true })
@Index('exam_registrations_by_session', ['examId', 'sessionId', 'status'])
export class Registration {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'exam_id', type: 'varchar', length: 36 })
  examId!: string;

  @Column({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId!: string;

  @Index('exam_registrations_by_student')
  @Column({ name: 'student_id', type: 'varchar', length: 64 })
  studentId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: 'pending' | 'active' | 'cancelled';

  /** Fencing token of the seat-pool write that gave this registration its desk. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintTransformer })
  fence!: number | null;

  @Column({
    type: 'text',
    transformer: { to: (v: unknown) => JSON.stringify(v ?? []), from: (v: string) => JSON.parse(v ?? '[]') },
  })
  history!: RegistrationHistoryEntry[];

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'updated_at' })
  updatedAt!: Date;
}
