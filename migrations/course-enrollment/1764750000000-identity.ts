import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { portableTypes } from '@registrar/platform';

/** Accounts, token signing keys and failed-login records (course-enrollment owns identity). */
export class Identity1764750000000 implements MigrationInterface {
  name = 'Identity1764750000000';

  async up(q: QueryRunner): Promise<void> {
    const t = portableTypes(q);
    await q.createTable(
      new Table({
        name: 'accounts',
        columns: [
          { name: 'id', type: t.uuid, isPrimary: true },
          { name: 'email', type: 'varchar(254)', isNullable: false, isUnique: true },
          { name: 'name', type: 'varchar(100)', isNullable: false },
          { name: 'role', type: 'varchar(16)', isNullable: false },
          { name: 'password_hash', type: t.text, isNullable: false },
          { name: 'created_at', type: t.timestamp, isNullable: false },
        ],
        checks: [{ name: 'accounts_role', expression: "role IN ('student', 'instructor', 'staff')" }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'signing_keys',
        columns: [
          { name: 'kid', type: 'varchar(64)', isPrimary: true },
          { name: 'private_jwk', type: t.text, isNullable: false },
          { name: 'public_jwk', type: t.text, isNullable: false },
          { name: 'created_at_ms', type: t.bigint, isNullable: false },
          { name: 'retires_at_ms', type: t.bigint, isNullable: false },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'login_failures',
        columns: [
          { name: 'id', type: t.int, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'email', type: 'varchar(254)', isNullable: false },
          { name: 'address', type: 'varchar(64)', isNullable: false },
          { name: 'at_ms', type: t.bigint, isNullable: false },
        ],
      }),
    );
    await q.createIndex(
      'login_failures',
      new TableIndex({ name: 'login_failures_email', columnNames: ['email', 'at_ms'] }),
    );
    await q.createIndex(
      'login_failures',
      new TableIndex({ name: 'login_failures_address', columnNames: ['address', 'at_ms'] }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('login_failures');
    await q.dropTable('signing_keys');
    await q.dropTable('accounts');
  }
}
