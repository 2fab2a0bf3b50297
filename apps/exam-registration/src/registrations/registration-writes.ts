/**
 * Registration rows are written with plain INSERT / UPDATE statements, never `save()`: `save()`
 * reads before it writes, and inside a SQLite transaction a read followed by a write is a lock
 * upgrade that fails at once with SQLITE_BUSY when another instance sharing the file is writing
 * (the busy timeout only covers a transaction whose first statement is the write).
 */
import type { EntityManager } from 'typeorm';
import { Registration } from './registration.entity.js';

export async function insertRegistration(em: EntityManager, row: Registration): Promise<void> {
  await em.insert(Registration, row);
}

export async function updateRegistration(em: EntityManager, row: Registration): Promise<void> {
  await em.update(
    Registration,
    { id: row.id },
    {
      sessionId: row.sessionId,
      status: row.status,
      fence: row.fence,
      history: row.history,
      updatedAt: row.updatedAt,
    },
  );
}
