/**
 * Pure planning of a schedule change against the registrations it affects: which registrations
 * must move (a dropped session, or seats cut below its registrations), whether the request said
 * where they go, whether the targets have room, and which students must be told their session's
 * time or room changed. No I/O: the service feeds it what it read under the locks.
 */
import type { ScheduleSession, SessionMove } from './schedule.types.js';

/** An active registration, oldest first within a session (the newest move first when seats are cut). */
export interface HeldSeat {
  registrationId: string;
  studentId: string;
  sessionId: string;
}

export interface Reassignment {
  registrationId: string;
  studentId: string;
  from: string;
  to: string;
}

/** A session whose time or room differs between the two schedules (same id). */
export interface SessionChange {
  sessionId: string;
  before: ScheduleSession;
  after: ScheduleSession;
}

export interface SchedulePlan {
  reassignments: Reassignment[];
  /** Sessions of the new schedule with a time or room change (their registrants are notified). */
  changed: SessionChange[];
  /** Old session ids that are gone from the new schedule. */
  dropped: string[];
}

export type PlanResult = { ok: true; plan: SchedulePlan } | { ok: false; conflicts: string[] };

function countBy(held: readonly HeldSeat[]): Map<string, HeldSeat[]> {
  const m = new Map<string, HeldSeat[]>();
  for (const h of held) m.set(h.sessionId, [...(m.get(h.sessionId) ?? []), h]);
  return m;
}

/**
 * @example
 *   const r = planScheduleChange(current.sessions, input.sessions, held, input.moves);
 *   if (!r.ok) throw new ConflictError(r.conflicts.join('; '));
 */
export function planScheduleChange(
  before: readonly ScheduleSession[],
  after: readonly ScheduleSession[],
  held: readonly HeldSeat[],
  moves: readonly SessionMove[],
): PlanResult {
  const conflicts: string[] = [];
  const afterById = new Map(after.map((s) => [s.id, s]));
  const beforeById = new Map(before.map((s) => [s.id, s]));
  const bySession = countBy(held);
  const moveFrom = new Map(moves.map((m) => [m.from, m.to]));
  const reassignments: Reassignment[] = [];
  const needed = new Set<string>();

  // Registrations in sessions the schedule no longer knows must move, as must a shrunk session's overflow.
  for (const [sessionId, seats] of bySession) {
    const next = afterById.get(sessionId);
    const overflow = next === undefined ? seats.length : seats.length - next.seats;
    if (overflow <= 0) continue;
    needed.add(sessionId);
    const to = moveFrom.get(sessionId);
    if (to === undefined) {
      conflicts.push(
        next === undefined
          ? `session ${sessionId} has ${seats.length} registration(s) and is dropped: say where they go (moves: [{from: "${sessionId}", to}])`
          : `session ${sessionId} has ${seats.length} registration(s) but would have ${next.seats} seat(s): say where ${overflow} go (moves: [{from: "${sessionId}", to}])`,
      );
      continue;
    }
    // The most recent registrations move; earlier registrants keep the seat they got first.
    for (const h of seats.slice(seats.length - overflow)) {
      reassignments.push({ registrationId: h.registrationId, studentId: h.studentId, from: sessionId, to });
    }
  }
  for (const m of moves) {
    if (!needed.has(m.from) && !(beforeById.has(m.from) && !afterById.has(m.from))) {
      conflicts.push(`move from ${m.from} is not needed: it is neither dropped nor over capacity`);
    }
  }
  // Targets must have room in the new schedule for who stays plus who arrives.
  const incoming = countBy(reassignments.map((r) => ({ ...r, sessionId: r.to })));
  for (const [to, arriving] of incoming) {
    const target = afterById.get(to)!;
    const leaving = reassignments.filter((r) => r.from === to).length;
    const staying = (bySession.get(to)?.length ?? 0) - leaving;
    if (staying + arriving.length > target.seats) {
      conflicts.push(
        `session ${to} has ${target.seats} seat(s): ${staying} registered + ${arriving.length} moved in do not fit`,
      );
    }
  }
  if (conflicts.length > 0) return { ok: false, conflicts };

  const changed: SessionChange[] = [];
  for (const a of after) {
    const b = beforeById.get(a.id);
    if (b !== undefined && (b.startsAt !== a.startsAt || b.endsAt !== a.endsAt || b.room !== a.room)) {
      changed.push({ sessionId: a.id, before: b, after: a });
    }
  }
  const dropped = before.filter((b) => !afterById.has(b.id)).map((b) => b.id);
  return { ok: true, plan: { reassignments, changed, dropped } };
}
