/**
 * Column type names for the running driver, so one migration file runs on SQLite and PostgreSQL.
 * @example
 *   const t = portableTypes(queryRunner);
 *   await queryRunner.createTable(new Table({ name: 'accounts', columns: [
 *     { name: 'id', type: t.uuid, isPrimary: true }, { name: 'created_at', type: t.timestamp } ] }));
 */
import type { QueryRunner } from 'typeorm';

export interface PortableTypes {
  uuid: string;
  text: string;
  varchar: string;
  int: string;
  bigint: string;
  timestamp: string;
  boolean: string;
  json: string;
  isPostgres: boolean;
}

export function portableTypes(queryRunner: QueryRunner): PortableTypes {
  const pg = queryRunner.connection.options.type === 'postgres';
  return {
    uuid: pg ? 'uuid' : 'varchar(36)',
    text: 'text',
    varchar: 'varchar',
    int: 'integer',
    bigint: 'bigint',
    timestamp: pg ? 'timestamptz' : 'datetime',
    boolean: 'boolean',
    json: pg ? 'jsonb' : 'text',
    isPostgres: pg,
  };
}
