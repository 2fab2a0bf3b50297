import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A course's catalogue data and enrollment window. Its seats (capacity, taken, waitlist, fence) live
 * in the seat pool with the same id (`course_seat_pools`), which only the SeatAllocator writes.
 */
@Entity('courses')
export class Course {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** Catalogue code, unique, stored upper-cased (e.g. `CS-101`). */
  @Column({ type: 'varchar', length: 32, unique: true })
  code!: string;

  @Column({ type: 'varchar', length: 200 })
  title!: string;

  /** Students may enroll from this instant (null = already open). */
  @Column({ name: 'enrollment_opens_at', type: Date, nullable: true })
  enrollmentOpensAt!: Date | null;

  /** ...until this instant, exclusive (null = never closes). */
  @Column({ name: 'enrollment_closes_at', type: Date, nullable: true })
  enrollmentClosesAt!: Date | null;

  /** After this instant only staff may drop a student (null = no deadline). */
  @Column({ name: 'drop_deadline', type: Date, nullable: true })
  dropDeadline!: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy!: string;

  @Column({ name: 'created_at' })
  createdAt!: Date;

  @Column({ name: 'updated_at' })
  updatedAt!: Date;
}
