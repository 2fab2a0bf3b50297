import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { createSeatTables, dropSeatTables, portableTypes } from '@registrar/platform';

/**
 * Courses and their seat pools (`course_seat_pools` with CHECK taken <= capacity, `course_seat_holds`,
 * `course_seat_events` = enrollment history).
 */
export class Courses1764760000000 implements MigrationInterface {
  name = 'Courses1764760000000';

  async up(q: QueryRunner): Promise<void> {
    const t = portableTypes(q);
    await q.createTable(
      new Table({
        name: 'courses',
        columns: [
          { name: 'id', type: 'varchar(36)', isPrimary: true },
          { name: 'code', type: 'varchar(32)', isUnique: true },
          { name: 'title', type: 'varchar(200)' },
          { name: 'enrollment_opens_at', type: t.timestamp, isNullable: true },
          { name: 'enrollment_closes_at', type: t.timestamp, isNullable: true },
          { name: 'drop_deadline', type: t.timestamp, isNullable: true },
          { name: 'created_by', type: 'varchar(36)' },
          { name: 'created_at', type: t.timestamp },
          { name: 'updated_at', type: t.timestamp },
        ],
      }),
    );
    await createSeatTables(q, 'course');
  }

  async down(q: QueryRunner): Promise<void> {
    await dropSeatTables(q, 'course');
    await q.dropTable('courses');
  }
}
