import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** An exam of a course. Its sessions (times, rooms, seats) live in the coordinator, not here. */
@Entity({ name: 'exams' })
export class Exam {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Index('exams_by_course')
  @Column({ name: 'course_id', type: 'varchar', length: 64 })
  courseId!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  @Column({ name: 'duration_min', type: 'integer', nullable: true })
  durationMin!: number | null;

  @Column({ name: 'created_by', type: 'varchar', length: 64, nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
