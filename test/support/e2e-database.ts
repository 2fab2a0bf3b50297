/**
 * The database an e2e suite runs its services on: a SQLite file by default, PostgreSQL with
 * `E2E_DATABASE=postgres` (a throwaway cluster started here). Same entities and migrations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresCluster } from './postgres.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export function e2eDatabaseKind(env: string | undefined = process.env['E2E_DATABASE']): DatabaseKind {
  if (env === undefined || env === '' || env === 'sqlite') return 'sqlite';
  if (env === 'postgres') return 'postgres';
  throw new Error(`E2E_DATABASE must be sqlite or postgres, not ${env}`);
}

export interface E2eDatabases {
  kind: DatabaseKind;
  /** Environment for a service using database `name` (DATABASE_PATH or DATABASE_URL). */
  envFor(name: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startE2eDatabases(): Promise<E2eDatabases> {
  if (e2eDatabaseKind() === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'registrar-e2e-db-'));
    return {
      kind: 'sqlite',
      envFor: (name) => ({ DATABASE_PATH: join(dir, `${name}.sqlite`) }),
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const pg: PostgresCluster = await startPostgres();
  const urls = new Map<string, string>();
  return {
    kind: 'postgres',
    envFor: (name) => {
      const db = name.replace(/[^a-z0-9]/g, '_');
      if (!urls.has(db)) urls.set(db, pg.createDatabase(db));
      return { DATABASE_URL: urls.get(db)! };
    },
    stop: () => pg.stop(),
  };
}
