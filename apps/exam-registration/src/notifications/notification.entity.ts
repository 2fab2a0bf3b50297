import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What changed for the student (kept as JSON; the UI renders it). */
export interface NotificationPayload {
  examId: string;
  examTitle: string;
  version: number;
  before: { sessionId: string; startsAt: string; endsAt: string; room: string } | null;
  after: { sessionId: string; startsAt: string; endsAt: string; room: string } | null;
}

/** One notice to one student about one schedule change (unique per change and student). */
@Entity({ name: 'exam_notifications' })
@Index('exam_notifications_change_student', ['changeId', 'studentId'], { unique: true })
@Index('exam_notifications_by_exam_version', ['examId', 'version'])
export class Notification {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('exam_notifications_by_student')
  @Column({ name: 'student_id', type: 'varchar', length: 64 })
  studentId!: string;

  @Column({ name: 'exam_id', type: 'varchar', length: 36 })
  examId!: string;

  /** The schedule version that made the change. */
  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'change_id', type: 'varchar', length: 36 })
  changeId!: string;

  @Column({ type: 'varchar', length: 24 })
  kind!: 'moved' | 'rescheduled';

  @Column({ type: 'varchar', length: 500 })
  message!: string;

  @Column({
    type: 'text',
    transformer: { to: (v: unknown) => JSON.stringify(v), from: (v: string) => JSON.parse(v) },
  })
  payload!: NotificationPayload;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'read_at', type: Date, nullable: true })
  readAt!: Date | null;
}
