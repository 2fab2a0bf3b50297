/**
 * TypeORM's sqlite driver runs everything on ONE shared connection, and its transactions nest as
 * savepoints: two concurrent `dataSource.transaction()` calls in one process would interleave their
 * statements inside one SQLite transaction. This gate runs a DataSource's transactions one at a time
 * on SQLite (PostgreSQL has a pool and real per-connection transactions, so it passes through).
 * Group admission makes the serial order cheap: one transaction decides a whole batch.
 */
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

const tails = new WeakMap<DataSource, Promise<unknown>>();
const immediate = new WeakSet<QueryRunner>();

/**
 * Makes the shared sqlite connection open its transactions with BEGIN IMMEDIATE. With a deferred
 * BEGIN, any read that slips onto the shared connection between BEGIN and our first write (another
 * request's SELECT) starts a read snapshot; when another process commits meanwhile, the upgrade to
 * a write fails at once with SQLITE_BUSY (busy_timeout does not apply to a stale snapshot). BEGIN
 * IMMEDIATE takes the write lock up front, waiting on busy_timeout. TypeORM has no option for it.
 * PlatformModule applies it to every SQLite DataSource it creates; runTransaction applies it too,
 * for DataSources made elsewhere (tests, scripts).
 */
export function beginImmediately(dataSource: DataSource): void {
  const runner = dataSource.driver.createQueryRunner('master');
  if (immediate.has(runner)) return;
  immediate.add(runner);
  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  (runner as { query: unknown }).query = (sql: unknown, ...rest: unknown[]) =>
    query(sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql, ...rest);
}

/**
 * Runs `work` in a transaction, serialized per DataSource on SQLite.
 * @example
 *   await runTransaction(dataSource, (em) => em.insert(Course, row));
 */
export function runTransaction<T>(
  dataSource: DataSource,
  work: (em: EntityManager) => Promise<T>,
): Promise<T> {
  if (dataSource.options.type !== 'sqlite') return dataSource.transaction(work);
  beginImmediately(dataSource);
  const previous = tails.get(dataSource) ?? Promise.resolve();
  const run = previous.then(
    () => dataSource.transaction(work),
    () => dataSource.transaction(work),
  );
  tails.set(
    dataSource,
    run.catch(() => undefined),
  );
  return run;
}
