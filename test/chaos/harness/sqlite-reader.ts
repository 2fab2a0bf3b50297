/**
 * A read-only SQLite connection from the test process, for audits of a database that services write
 * (WAL mode: readers never block the writers, and every statement sees one committed snapshot).
 */
import sqlite3 from 'sqlite3';

export class SqliteReader {
  private constructor(private readonly db: sqlite3.Database) {}

  static open(path: string): Promise<SqliteReader> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (err) => {
        if (err) reject(err);
        else {
          db.configure('busyTimeout', 5_000);
          resolve(new SqliteReader(db));
        }
      });
    });
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
