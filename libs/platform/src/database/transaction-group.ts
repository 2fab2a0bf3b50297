/**
 * Group commit for independent units of work: units submitted while a transaction is running
 * wait, then run together in ONE transaction, each inside its own savepoint. A unit that throws
 * is rolled back to its savepoint and rejects alone; the others commit together, and every unit
 * resolves only after that commit. One commit (one fsync on SQLite) then covers many units.
 *
 * Why: the seat allocator holds a pool's coordinator lock from before its transaction until after
 * the commit. With one SQLite writer (per file, across processes) and one shared connection per
 * process, an instance serving many courses at once used to queue one transaction per course
 * behind each other while holding every one of those courses' locks; the benchmark measured the
 * wait for the database as the largest stage. Grouping turns N commits into one.
 *
 * Units run in key order within a group (stable: same-key units keep their arrival order), so two
 * processes' groups on PostgreSQL take row locks in the same order and cannot deadlock each other.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { runTransaction } from './transaction-gate.js';

interface Unit {
  key: string;
  work: (em: EntityManager) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface TransactionGroupOptions {
  /** Most units in one transaction. Default 64. */
  maxUnits?: number;
  /** After every transaction (metrics): how many units it carried and how long it took. */
  onTransaction?: (info: { units: number; seconds: number; ok: boolean }) => void;
}

/**
 * @example
 *   const group = new TransactionGroup(dataSource);
 *   const [a, b] = await Promise.all([group.run('x', (em) => writeX(em)), group.run('y', (em) => writeY(em))]);
 */
export class TransactionGroup {
  private queue: Unit[] = [];
  private running = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly opts: TransactionGroupOptions = {},
  ) {}

  /** Runs `work` in the next group transaction, in a savepoint of its own; resolves after the commit. */
  run<T>(key: string, work: (em: EntityManager) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ key, work, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const units = this.queue.splice(0, this.opts.maxUnits ?? 64);
        units.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
        await this.transaction(units);
      }
    } finally {
      this.running = false;
    }
  }

  private async transaction(units: Unit[]): Promise<void> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const started = performance.now();
    try {
      await runTransaction(this.dataSource, async (em) => {
        for (const u of units) {
          try {
            // Nested transaction = SAVEPOINT ... RELEASE, or ROLLBACK TO on a throw.
            outcomes.push({ ok: true, value: await em.transaction((inner) => u.work(inner)) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing committed: every unit fails, with its own error if it had one.
      this.opts.onTransaction?.({
        units: units.length,
        seconds: (performance.now() - started) / 1000,
        ok: false,
      });
      units.forEach((u, i) => {
        const o = outcomes[i];
        u.reject(o !== undefined && !o.ok ? o.error : error);
      });
      return;
    }
    this.opts.onTransaction?.({
      units: units.length,
      seconds: (performance.now() - started) / 1000,
      ok: true,
    });
    units.forEach((u, i) => {
      const o = outcomes[i]!;
      if (o.ok) u.resolve(o.value);
      else u.reject(o.error);
    });
  }
}
