/**
 * Locks this service takes besides the seat pools' own (which the allocator takes):
 * - `<root>/locks/exam-schedules/<examId>`, a read-write lock: a schedule change holds the write
 *   side, so the registrations it counts and moves cannot change under it; registrations and
 *   cancellations hold the read side (many at once).
 * - `<root>/locks/exam-students/<studentId>`: one registration change per student at a time, so
 *   "already holds a session of this exam" and "overlaps another session" are decided on a
 *   stable set of the student's sessions (two clicks on two instances cannot both pass).
 * Order, to rule out deadlock: exam lock, then student lock, then (inside the allocator) pools.
 */
import { Lock, ReadWriteLock, type ZooKeeperClient } from '@registrar/coordination';
import type { ZnodePaths } from '@registrar/platform';
import { ServiceUnavailableError } from '@registrar/platform';

const LOCK_TIMEOUT_MS = 15_000;

export function examScheduleLockPath(paths: ZnodePaths, examId: string): string {
  return paths.lock('exam-schedules', examId);
}

export function studentLockPath(paths: ZnodePaths, studentId: string): string {
  return paths.lock('exam-students', studentId);
}

async function holding<T>(lock: Lock, what: string, fn: (fencingToken: number) => Promise<T>): Promise<T> {
  let token: number;
  try {
    ({ fencingToken: token } = await lock.acquire({ timeoutMs: LOCK_TIMEOUT_MS }));
  } catch (err) {
    throw new ServiceUnavailableError(`${what} is busy or the coordinator is unreachable; try again`, 1, {
      cause: err instanceof Error ? err.message : String(err),
    });
  }
  try {
    return await fn(token);
  } finally {
    await lock.release().catch(() => undefined);
  }
}

export function withExamWriteLock<T>(
  client: ZooKeeperClient,
  paths: ZnodePaths,
  examId: string,
  fn: (token: number) => Promise<T>,
): Promise<T> {
  return holding(
    new ReadWriteLock(client, examScheduleLockPath(paths, examId)).writeLock,
    `exam ${examId} schedule`,
    fn,
  );
}

export function withExamReadLock<T>(
  client: ZooKeeperClient,
  paths: ZnodePaths,
  examId: string,
  fn: (token: number) => Promise<T>,
): Promise<T> {
  return holding(
    new ReadWriteLock(client, examScheduleLockPath(paths, examId)).readLock,
    `exam ${examId}`,
    fn,
  );
}

export function withStudentLock<T>(
  client: ZooKeeperClient,
  paths: ZnodePaths,
  studentId: string,
  fn: (token: number) => Promise<T>,
): Promise<T> {
  return holding(new Lock(client, studentLockPath(paths, studentId)), `student ${studentId}`, fn);
}
