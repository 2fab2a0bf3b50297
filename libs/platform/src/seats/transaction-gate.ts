/**
 * TypeORM's sqlite driver runs everything on ONE shared connection, and its transactions nest as
 * savepoints: two concurrent `dataSource.transaction()` calls in one process would interleave their
 * statements inside one SQLite transaction. This gate runs a DataSource's transactions one at a time
 * on SQLite (PostgreSQL has a pool and real per-connection transactions, so it passes through).
 * Group admission makes the serial order cheap: one transaction decides a whole batch.
 */
import type { DataSource, EntityManager } from 'typeorm';

const tails = new WeakMap<DataSource, Promise<unknown>>();

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
