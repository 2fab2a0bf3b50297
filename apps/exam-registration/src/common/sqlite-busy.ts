/**
 * SQLite answers SQLITE_BUSY at once, without waiting for the busy timeout, when a transaction
 * that already read has to upgrade to writing while another process sharing the file wrote
 * meanwhile (WAL snapshot). TypeORM's sqlite driver runs everything on one connection, so a plain
 * read issued by another request can land between a transaction's BEGIN and its first write and
 * make it such a transaction. The failed transaction was rolled back whole, so it is retried.
 */
import { ServiceUnavailableError } from '@registrar/platform';

export function isSqliteBusy(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string } | undefined;
  return (
    e?.driverError?.code === 'SQLITE_BUSY' ||
    e?.code === 'SQLITE_BUSY' ||
    /SQLITE_BUSY/.test(e?.message ?? '')
  );
}

export async function retryOnBusy<T>(work: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
      if (attempt >= attempts) throw new ServiceUnavailableError('the database is busy; try again', 1);
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
    }
  }
}
