/**
 * One TypeORM configuration for both databases. SQLite (the embedded default) is one file shared by
 * a service's instances on one host: WAL lets readers run beside the writer, and the busy timeout
 * makes a second instance wait for the write lock instead of failing with SQLITE_BUSY.
 * PostgreSQL is chosen by a postgres:// DATABASE_URL. Schema changes only through migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface DatabaseSettings {
  /** SQLite file; ignored when `url` is set. */
  path?: string;
  /** postgres:// URL. */
  url?: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  /** Table recording applied migrations (one per service, so services may share a PostgreSQL database). */
  migrationsTableName: string;
  /** SQLite busy timeout, ms. */
  busyTimeoutMs?: number;
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

export function dataSourceOptions(s: DatabaseSettings): DataSourceOptions {
  const common = {
    entities: s.entities,
    migrations: s.migrations,
    migrationsTableName: s.migrationsTableName,
    migrationsRun: true,
    synchronize: false,
    // Query errors surface as exceptions (and 500s are logged by the filter); expected ones, such as
    // a unique violation meaning "email taken", must not fill the log.
    logging: ['warn', 'migration'] as const,
  };
  if (isPostgresUrl(s.url)) {
    return { ...common, logging: [...common.logging], type: 'postgres', url: s.url, extra: { max: 10 } };
  }
  const path = s.path ?? ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const busy = s.busyTimeoutMs ?? 10_000;
  return {
    ...common,
    logging: [...common.logging],
    type: 'sqlite',
    database: path,
    // Applied on the connection before anything else runs on it.
    busyTimeout: busy,
    enableWAL: true,
  } as DataSourceOptions;
}

/** The configured kind, for logs and the health check. */
export function databaseKind(s: Pick<DatabaseSettings, 'url'>): 'postgres' | 'sqlite' {
  return isPostgresUrl(s.url) ? 'postgres' : 'sqlite';
}
