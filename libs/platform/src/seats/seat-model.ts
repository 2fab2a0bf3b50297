/**
 * The vocabulary of a seat pool, shared by the pure decisions (seat-decisions.ts) and the I/O shell
 * (seat-allocator.ts). A pool is anything with a fixed number of places that many people grab at
 * once: a course's seats, an exam session's desks. A holder is whoever takes a place (a student).
 */

/** Where a holder stands in a pool. `released` is kept (not deleted) so history and re-entry work. */
export type SeatStatus = 'seated' | 'waitlisted' | 'released';

/** The pool's counters as the database holds them (table `seat_pools`). */
export interface PoolCounts {
  capacity: number;
  taken: number;
  waitlistCapacity: number;
  waitlisted: number;
  /** Next waitlist ticket: tickets only grow, so their order is the order of arrival. */
  nextTicket: number;
}

/** A waitlisted holder, in ticket order. */
export interface WaitlistEntry {
  holderId: string;
  ticket: number;
}

/** One request against a pool. Requests are applied in arrival order within a batch. */
export type SeatOp =
  | { kind: 'admit'; holderId: string; actorId?: string | undefined }
  | { kind: 'release'; holderId: string; actorId?: string | undefined }
  | {
      kind: 'resize';
      capacity?: number | undefined;
      waitlistCapacity?: number | undefined;
      actorId?: string | undefined;
    }
  | { kind: 'promote'; actorId?: string | undefined };

/** Why an admission was refused. */
export type RefusalReason = 'already-seated' | 'already-waitlisted' | 'full';

/** Why a resize was refused. */
export type ResizeRefusal = 'capacity-below-taken' | 'waitlist-below-waitlisted' | 'negative';

/** What became of one op. */
export type SeatOpResult =
  | { kind: 'seated' }
  /** `position` is 1-based: how many waitlisted holders are ahead, plus one, at decision time. */
  | { kind: 'waitlisted'; position: number }
  | { kind: 'refused'; reason: RefusalReason }
  | { kind: 'released'; from: 'seated' | 'waitlisted'; promoted: string[] }
  | { kind: 'not-held' }
  | { kind: 'resized'; promoted: string[] }
  | { kind: 'resize-refused'; reason: ResizeRefusal; counts: PoolCounts }
  | { kind: 'promoted'; promoted: string[] };

/** One state change of one holder: becomes a `seat_holds` upsert and a `seat_events` row. */
export interface SeatChange {
  holderId: string;
  from: SeatStatus | null;
  to: SeatStatus;
  /** Waitlist ticket when `to` is 'waitlisted', else null. */
  ticket: number | null;
  reason: 'admit' | 'release' | 'promote';
  actorId: string | null;
}

/** What the decision step needs to know about a pool; loaded inside the transaction. */
export interface PoolModel {
  counts: PoolCounts;
  /** Current status of every holder an op names (absent = never held a place). */
  statuses: ReadonlyMap<string, SeatStatus>;
  /**
   * The whole waitlist in ticket order; required only when the batch may promote (see
   * `needsWaitlist`), because an admission-only batch into a pool without free seats only appends.
   */
  waitlist?: readonly WaitlistEntry[] | undefined;
}

/** Outcome of a batch: one result per op (same order), the changes to write and the new counters. */
export interface BatchDecision {
  results: SeatOpResult[];
  changes: SeatChange[];
  counts: PoolCounts;
}
