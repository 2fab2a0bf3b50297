/**
 * `npm run migrate`: applies a service's pending migrations to its configured database and exits,
 * without starting the service (services also migrate at boot; this is for operators who want the
 * schema change to happen as its own step).
 */
import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { PlatformEnv } from '../config/platform-env.js';
import { validateEnv } from '../config/validate-env.js';
import { dataSourceOptions, databaseKind } from './data-source-options.js';

export interface MigrateOptions {
  service: string;
  env?: new () => PlatformEnv;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  environment?: Record<string, string | undefined>;
}

/** @returns the names of the migrations applied now (empty when the schema was current). */
export async function migrateDatabase(opts: MigrateOptions): Promise<string[]> {
  const env = validateEnv((opts.environment ?? process.env) as Record<string, unknown>, opts.env);
  const ds = new DataSource({
    ...dataSourceOptions({
      path: env.DATABASE_PATH,
      url: env.DATABASE_URL,
      entities: opts.entities,
      migrations: opts.migrations,
      migrationsTableName: `migrations_${opts.service.replace(/[^a-z0-9]/gi, '_')}`,
    }),
    migrationsRun: false,
  });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    console.log(
      `${opts.service}: ${databaseKind({ url: env.DATABASE_URL })} schema ${applied.length === 0 ? 'already current' : `migrated: ${applied.map((m) => m.name).join(', ')}`}`,
    );
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
