/**
 * First schema of exam-registration: exams, registrations, notifications, the schedule-change
 * write-ahead log, and the shared seat tables for exam-session desks. Portable column types
 * (portableTypes) so the same file runs on SQLite and PostgreSQL.
 */
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { createSeatTables, dropSeatTables, portableTypes } from '@registrar/platform';

export class ExamRegistrationSchema1764800000000 implements MigrationInterface {
  name = 'ExamRegistrationSchema1764800000000';

  async up(q: QueryRunner): Promise<void> {
    const t = portableTypes(q);
    await q.createTable(
      new Table({
        name: 'exams',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'course_id', type: 'varchar', length: '64' },
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'duration_min', type: t.int, isNullable: true },
          { name: 'created_by', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: t.timestamp },
        ],
      }),
    );
    await q.createIndex('exams', new TableIndex({ name: 'exams_by_course', columnNames: ['course_id'] }));

    await q.createTable(
      new Table({
        name: 'exam_registrations',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'exam_id', type: 'varchar', length: '36' },
          { name: 'session_id', type: 'varchar', length: '64' },
          { name: 'student_id', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'fence', type: t.bigint, isNullable: true },
          { name: 'history', type: t.text },
          { name: 'created_at', type: t.timestamp },
          { name: 'updated_at', type: t.timestamp },
        ],
        checks: [
          { name: 'exam_registrations_status', expression: "status IN ('pending', 'active', 'cancelled')" },
        ],
        foreignKeys: [
          { columnNames: ['exam_id'], referencedTableName: 'exams', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createIndex(
      'exam_registrations',
      new TableIndex({
        name: 'exam_registrations_exam_student',
        columnNames: ['exam_id', 'student_id'],
        isUnique: true,
      }),
    );
    await q.createIndex(
      'exam_registrations',
      new TableIndex({
        name: 'exam_registrations_by_session',
        columnNames: ['exam_id', 'session_id', 'status'],
      }),
    );
    await q.createIndex(
      'exam_registrations',
      new TableIndex({ name: 'exam_registrations_by_student', columnNames: ['student_id'] }),
    );

    await q.createTable(
      new Table({
        name: 'exam_notifications',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'student_id', type: 'varchar', length: '64' },
          { name: 'exam_id', type: 'varchar', length: '36' },
          { name: 'version', type: t.int },
          { name: 'change_id', type: 'varchar', length: '36' },
          { name: 'kind', type: 'varchar', length: '24' },
          { name: 'message', type: 'varchar', length: '500' },
          { name: 'payload', type: t.text },
          { name: 'created_at', type: t.timestamp },
          { name: 'read_at', type: t.timestamp, isNullable: true },
        ],
      }),
    );
    await q.createIndex(
      'exam_notifications',
      new TableIndex({
        name: 'exam_notifications_change_student',
        columnNames: ['change_id', 'student_id'],
        isUnique: true,
      }),
    );
    await q.createIndex(
      'exam_notifications',
      new TableIndex({ name: 'exam_notifications_by_exam_version', columnNames: ['exam_id', 'version'] }),
    );
    await q.createIndex(
      'exam_notifications',
      new TableIndex({ name: 'exam_notifications_by_student', columnNames: ['student_id'] }),
    );

    await q.createTable(
      new Table({
        name: 'exam_schedule_changes',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'exam_id', type: 'varchar', length: '36' },
          { name: 'base_version', type: t.int },
          { name: 'data', type: t.text },
          { name: 'plan', type: t.text },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'created_by', type: 'varchar', length: '64', isNullable: true },
          { name: 'created_at', type: t.timestamp },
          { name: 'updated_at', type: t.timestamp },
        ],
        checks: [
          {
            name: 'exam_schedule_changes_status',
            expression: "status IN ('pending', 'committed', 'aborted')",
          },
        ],
      }),
    );
    await q.createIndex(
      'exam_schedule_changes',
      new TableIndex({ name: 'exam_schedule_changes_by_exam', columnNames: ['exam_id', 'status'] }),
    );

    await createSeatTables(q, 'exam_session');
  }

  async down(q: QueryRunner): Promise<void> {
    await dropSeatTables(q, 'exam_session');
    await q.dropTable('exam_schedule_changes');
    await q.dropTable('exam_notifications');
    await q.dropTable('exam_registrations');
    await q.dropTable('exams');
  }
}
