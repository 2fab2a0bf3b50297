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
