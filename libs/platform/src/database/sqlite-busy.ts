/**
 * SQLite answers SQLITE_BUSY at once, without waiting for the busy timeout, when a transaction
 * that already read has to upgrade to writing while another process sharing the file wrote
 * meanwhile (WAL snapshot). The platform's DataSources start every transaction BEGIN IMMEDIATE
 * (transaction-gate.ts), which removes that case; a caller that still wants a belt over the
 * braces wraps its whole transaction in `retryOnBusy` (a failed transaction was rolled back
 * whole, so running it again is safe), and an exhausted retry is a retryable 503.
 */
import { ServiceUnavailableError } from '../errors/domain-errors.js';

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
