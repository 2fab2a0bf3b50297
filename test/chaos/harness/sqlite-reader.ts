/**
 * The harness's own connections to a SQLite file that services write.
 *
 * - {@link SqliteReader}: read-only, for audits (WAL mode: readers never block the writers, and
 *   every statement sees one committed snapshot).
 * - {@link SqliteStall}: a database stall as a fault. It takes the file's write lock
 *   (`BEGIN IMMEDIATE`) and holds it, so every service transaction waits in its busy handler, as
 *   behind a slow disk, a backup or a long migration: a seat batch that already holds its pool's
 *   coordinator lock stays between lock and write for as long as the stall lasts, which is the
 *   moment a SIGSTOP must land for the fencing token to matter. Keep stalls well under the
 *   services' busy timeout (10 s) so nobody sees SQLITE_BUSY.
 */
import sqlite3 from 'sqlite3';

function open(path: string, mode: number): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(path, mode, (err) => {
      if (err) reject(err);
      else {
        db.configure('busyTimeout', 5_000);
        resolve(db);
      }
    });
  });
}

function run(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, (err) => (err ? reject(err) : resolve())));
}

export class SqliteReader {
  private constructor(private readonly db: sqlite3.Database) {}

  static async open(path: string): Promise<SqliteReader> {
    return new SqliteReader(await open(path, sqlite3.OPEN_READONLY));
  }

  all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows as T[]))),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.db.close(() => resolve()));
  }
}

export class SqliteStall {
  private holding = false;

  private constructor(private readonly db: sqlite3.Database) {}

  static async open(path: string): Promise<SqliteStall> {
    return new SqliteStall(await open(path, sqlite3.OPEN_READWRITE));
  }

  /** Takes the write lock (waits up to 5 s for the current writer). Writes nothing. */
  async begin(): Promise<void> {
    await run(this.db, 'BEGIN IMMEDIATE');
    this.holding = true;
  }

  /** Lets the writers go (ROLLBACK: the stall never wrote). Idempotent. */
  async end(): Promise<void> {
    if (!this.holding) return;
    this.holding = false;
    await run(this.db, 'ROLLBACK');
  }

  async close(): Promise<void> {
    await this.end().catch(() => undefined);
    await new Promise<void>((resolve) => this.db.close(() => resolve()));
  }
}

/**
 * Audit tap on a seat pool table (test databases only): a trigger appends every committed update
 * of a `<prefix>_seat_pools` row (old and new fence, the new counters) to `chaos_<prefix>_pool_log`,
 * in commit order (one writer at a time; AUTOINCREMENT ids). Sampling sees the pools every 200 ms
 * and can miss a stale holder's write that the next holder overwrites within milliseconds; the
 * log cannot. Installed after the services ran their migrations; it writes only its own table.
 */
export async function installPoolLog(path: string, prefix: 'course' | 'exam_session'): Promise<void> {
  const db = await open(path, sqlite3.OPEN_READWRITE);
  try {
    const log = `chaos_${prefix}_pool_log`;
    await run(
      db,
      `CREATE TABLE IF NOT EXISTS ${log} (id INTEGER PRIMARY KEY AUTOINCREMENT, pool_id TEXT NOT NULL,
         old_fence INTEGER NOT NULL, new_fence INTEGER NOT NULL, taken INTEGER NOT NULL,
         capacity INTEGER NOT NULL, waitlisted INTEGER NOT NULL, waitlist_capacity INTEGER NOT NULL)`,
    );
    await run(
      db,
      `CREATE TRIGGER IF NOT EXISTS ${log}_tap AFTER UPDATE ON ${prefix}_seat_pools BEGIN
         INSERT INTO ${log} (pool_id, old_fence, new_fence, taken, capacity, waitlisted, waitlist_capacity)
         VALUES (NEW.id, OLD.fence, NEW.fence, NEW.taken, NEW.capacity, NEW.waitlisted, NEW.waitlist_capacity);
       END`,
    );
  } finally {
    await new Promise<void>((resolve) => db.close(() => resolve()));
  }
}
