/**
 * The seat rules as a pure function: given a pool's counters, the statuses of the holders the ops
 * name (and, when promotions are possible, the waitlist) decide every op of a batch in arrival order.
 * No I/O, no clock: the allocator loads the model inside its transaction, calls this, and writes
 * what it returns with one fenced UPDATE of the pool row. Because the whole batch is decided here,
 * one lock round trip and one transaction admit every request queued on the lock holder.
 *
 * Rules:
 * - A free seat goes to the head of the waitlist before any newcomer (nobody jumps the line, even
 *   when seats were freed by something that did not promote, such as a crashed instance).
 * - Admission: seated if a seat is free, else waitlisted if the waitlist has room, else refused.
 *   A holder already seated or waitlisted is refused (also twice in one batch).
 * - Release: frees the seat (or the waitlist place) and promotes into freed seats in ticket order.
 * - Resize: capacity never below the seated count, waitlist never below the waitlisted count;
 *   growth promotes at once.
 */
import type {
  BatchDecision,
  PoolCounts,
  PoolModel,
  SeatChange,
  SeatOp,
  SeatOpResult,
  SeatStatus,
  WaitlistEntry,
} from './seat-model.js';

/** Whether deciding `ops` may need the waitlist (promotions), so the shell knows to load it. */
export function needsWaitlist(counts: PoolCounts, ops: readonly SeatOp[]): boolean {
  if (counts.waitlisted === 0) return ops.some((op) => op.kind === 'release');
  if (counts.taken < counts.capacity) return true;
  return ops.some((op) => op.kind !== 'admit');
}

/**
 * Decides a batch.
 * @example
 *   const d = decideSeatOps({ counts, statuses }, [{ kind: 'admit', holderId: 's1' }]);
 *   d.results[0]; // { kind: 'seated' } while a seat is free
 */
export function decideSeatOps(model: PoolModel, ops: readonly SeatOp[]): BatchDecision {
  const counts: PoolCounts = { ...model.counts };
  const statuses = new Map<string, SeatStatus>(model.statuses);
  const waitlist: WaitlistEntry[] | undefined = model.waitlist ? [...model.waitlist] : undefined;
  for (const e of waitlist ?? []) statuses.set(e.holderId, 'waitlisted');
  const changes: SeatChange[] = [];

  const record = (
    holderId: string,
    to: SeatStatus,
    reason: SeatChange['reason'],
    actorId: string | undefined,
    ticket: number | null = null,
  ): void => {
    changes.push({
      holderId,
      from: statuses.get(holderId) ?? null,
      to,
      ticket,
      reason,
      actorId: actorId ?? null,
    });
    statuses.set(holderId, to);
  };

  /** Moves waitlist heads into free seats; returns who was promoted, in order. */
  const fill = (actorId: string | undefined): string[] => {
    const promoted: string[] = [];
    while (counts.taken < counts.capacity && counts.waitlisted > 0) {
      const head = waitlist?.shift();
      if (head === undefined)
        throw new Error('decideSeatOps: promotion needs the waitlist (see needsWaitlist)');
      counts.waitlisted--;
      counts.taken++;
      record(head.holderId, 'seated', 'promote', actorId);
      promoted.push(head.holderId);
    }
    return promoted;
  };

  const results = ops.map((op): SeatOpResult => {
    switch (op.kind) {
      case 'admit': {
        fill(undefined);
        const now = statuses.get(op.holderId);
        if (now === 'seated') return { kind: 'refused', reason: 'already-seated' };
        if (now === 'waitlisted') return { kind: 'refused', reason: 'already-waitlisted' };
        if (counts.taken < counts.capacity) {
          counts.taken++;
          record(op.holderId, 'seated', 'admit', op.actorId);
          return { kind: 'seated' };
        }
        if (counts.waitlisted < counts.waitlistCapacity) {
          const ticket = counts.nextTicket++;
          counts.waitlisted++;
          waitlist?.push({ holderId: op.holderId, ticket });
          record(op.holderId, 'waitlisted', 'admit', op.actorId, ticket);
          return { kind: 'waitlisted', position: counts.waitlisted };
        }
        return { kind: 'refused', reason: 'full' };
      }
      case 'release': {
        const now = statuses.get(op.holderId);
        if (now === 'seated') {
          counts.taken--;
          record(op.holderId, 'released', 'release', op.actorId);
          return { kind: 'released', from: 'seated', promoted: fill(op.actorId) };
        }
        if (now === 'waitlisted') {
          const at = waitlist?.findIndex((e) => e.holderId === op.holderId) ?? -1;
          if (at >= 0) waitlist!.splice(at, 1);
          counts.waitlisted--;
          record(op.holderId, 'released', 'release', op.actorId);
          return { kind: 'released', from: 'waitlisted', promoted: fill(op.actorId) };
        }
        return { kind: 'not-held' };
      }
      case 'resize': {
        const capacity = op.capacity ?? counts.capacity;
        const waitlistCapacity = op.waitlistCapacity ?? counts.waitlistCapacity;
        if (capacity < 0 || waitlistCapacity < 0)
          return { kind: 'resize-refused', reason: 'negative', counts: { ...counts } };
        if (capacity < counts.taken) {
          return { kind: 'resize-refused', reason: 'capacity-below-taken', counts: { ...counts } };
        }
        // Growing the seats promotes first, so a smaller waitlist only has to fit who is left on it.
        const promotable = Math.min(capacity - counts.taken, counts.waitlisted);
        if (waitlistCapacity < counts.waitlisted - promotable) {
          return { kind: 'resize-refused', reason: 'waitlist-below-waitlisted', counts: { ...counts } };
        }
        counts.capacity = capacity;
        const promoted = fill(op.actorId);
        counts.waitlistCapacity = waitlistCapacity;
        return { kind: 'resized', promoted };
      }
      case 'promote':
        return { kind: 'promoted', promoted: fill(op.actorId) };
    }
  });

  return { results, changes, counts };
}
