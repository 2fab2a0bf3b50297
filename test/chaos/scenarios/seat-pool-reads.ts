/**
 * Reads of the platform's seat tables (`<prefix>_seat_pools/_holds/_events`, libs/platform seats)
 * for the audits of the platform scenarios: course pools (`course`) and exam-session pools
 * (`exam_session`) have the same shape, so enrollment and exam-schedule share these reads and the
 * pure checks in enrollment-checks.ts.
 */
import type { SqliteReader } from '../harness/sqlite-reader.js';
import type { HoldRow, PoolSample, PoolUpdate, SeatEvent } from './enrollment-checks.js';

export type SeatPrefix = 'course' | 'exam_session';

interface PoolRow {
  pool: string;
  capacity: number;
  taken: number;
  waitlist_capacity: number;
  waitlisted: number;
  fence: number;
  seated_rows: number;
  waitlisted_rows: number;
}

/** One consistent snapshot (one statement) of the pools' counters and their hold rows' counts. */
export async function samplePools(
  db: SqliteReader,
  prefix: SeatPrefix,
  poolIds: readonly string[],
): Promise<PoolSample[]> {
  if (poolIds.length === 0) return [];
  const rows = await db.all<PoolRow>(
    `SELECT p.id AS pool, p.capacity, p.taken, p.waitlist_capacity, p.waitlisted, p.fence,
       (SELECT COUNT(*) FROM ${prefix}_seat_holds h WHERE h.pool_id = p.id AND h.status = 'seated') AS seated_rows,
       (SELECT COUNT(*) FROM ${prefix}_seat_holds h WHERE h.pool_id = p.id AND h.status = 'waitlisted') AS waitlisted_rows
     FROM ${prefix}_seat_pools p WHERE p.id IN (${poolIds.map(() => '?').join(',')})`,
    [...poolIds],
  );
  const atNs = Number(process.hrtime.bigint());
  return rows.map((r) => ({
    atNs,
    course: r.pool,
    capacity: Number(r.capacity),
    taken: Number(r.taken),
    waitlistCapacity: Number(r.waitlist_capacity),
    waitlisted: Number(r.waitlisted),
    seatedRows: Number(r.seated_rows),
    waitlistedRows: Number(r.waitlisted_rows),
    fence: Number(r.fence),
  }));
}

/** The whole event log in commit (id) order. */
export async function readSeatEvents(db: SqliteReader, prefix: SeatPrefix): Promise<SeatEvent[]> {
  const rows = await db.all<{
    id: number;
    pool_id: string;
    holder_id: string;
    from_status: string | null;
    to_status: string;
    reason: string;
    fence: number;
  }>(
    `SELECT id, pool_id, holder_id, from_status, to_status, reason, fence FROM ${prefix}_seat_events ORDER BY id`,
  );
  return rows.map((e) => ({
    id: Number(e.id),
    course: e.pool_id,
    holder: e.holder_id,
    from: e.from_status,
    to: e.to_status,
    reason: e.reason,
    fence: Number(e.fence),
  }));
}

export async function readSeatHolds(db: SqliteReader, prefix: SeatPrefix): Promise<HoldRow[]> {
  const rows = await db.all<{ pool_id: string; holder_id: string; status: string; ticket: number | null }>(
    `SELECT pool_id, holder_id, status, ticket FROM ${prefix}_seat_holds`,
  );
  return rows.map((h) => ({
    course: h.pool_id,
    holder: h.holder_id,
    status: h.status,
    ticket: h.ticket === null ? null : Number(h.ticket),
  }));
}

/** The audit tap's log (harness/sqlite-reader.ts installPoolLog), in commit order. */
export async function readPoolLog(db: SqliteReader, prefix: SeatPrefix): Promise<PoolUpdate[]> {
  const rows = await db.all<{
    id: number;
    pool_id: string;
    old_fence: number;
    new_fence: number;
    taken: number;
    capacity: number;
    waitlisted: number;
    waitlist_capacity: number;
  }>(`SELECT * FROM chaos_${prefix}_pool_log ORDER BY id`);
  return rows.map((r) => ({
    id: Number(r.id),
    pool: r.pool_id,
    oldFence: Number(r.old_fence),
    newFence: Number(r.new_fence),
    taken: Number(r.taken),
    capacity: Number(r.capacity),
    waitlisted: Number(r.waitlisted),
    waitlistCapacity: Number(r.waitlist_capacity),
  }));
}
