/**
 * The audit of an opening-minute run (pure): every answer is accounted for, no more enrolled than
 * seats, the waitlist numbered 1..n without gaps, and what the students were told matches what the
 * service recorded.
 */
export type Answer =
  | { kind: 'enrolled'; studentId: string }
  | { kind: 'waitlisted'; studentId: string; position: number }
  | { kind: 'refused'; studentId: string; status: number; message: string }
  | { kind: 'error'; studentId: string; status: number; message: string };

export interface RecordedEnrollment {
  studentId: string;
  status: string;
  position?: number;
}

export interface AuditInput {
  capacity: number;
  waitlistCapacity: number;
  students: number;
  answers: Answer[];
  /** Enrollments the service lists for the course afterwards (staff view). */
  recorded: RecordedEnrollment[];
}

export interface AuditCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export function auditOpening(input: AuditInput): AuditCheck[] {
  const count = (k: Answer['kind']) => input.answers.filter((a) => a.kind === k).length;
  const enrolled = input.recorded.filter((r) => r.status === 'enrolled');
  const waitlisted = input.recorded.filter((r) => r.status === 'waitlisted');
  const positions = waitlisted.map((w) => w.position ?? -1).sort((a, b) => a - b);
  const told = new Map(input.answers.map((a) => [a.studentId, a]));
  const mismatches = input.recorded.filter((r) => {
    const a = told.get(r.studentId);
    if (r.status === 'enrolled') return a?.kind !== 'enrolled';
    if (r.status === 'waitlisted') return a?.kind !== 'waitlisted';
    return false;
  });
  const lostSeats = input.answers.filter(
    (a) => a.kind === 'enrolled' && !enrolled.some((r) => r.studentId === a.studentId),
  );
  return [
    {
      name: 'every request answered',
      ok: input.answers.length === input.students,
      detail: `${input.answers.length} of ${input.students}`,
    },
    {
      name: 'no unexpected errors',
      ok: count('error') === 0,
      detail:
        count('error') === 0
          ? 'none'
          : `${count('error')}: ${[...new Set(input.answers.filter((a) => a.kind === 'error').map((a) => `${a.status} ${a.message}`))].slice(0, 3).join('; ')}`,
    },
    {
      name: 'enrolled <= capacity',
      ok: enrolled.length <= input.capacity,
      detail: `${enrolled.length} enrolled, capacity ${input.capacity}`,
    },
    {
      name: 'seats filled before anyone waits',
      ok: waitlisted.length === 0 || enrolled.length >= input.capacity,
      detail: `${enrolled.length}/${input.capacity} seats, ${waitlisted.length} waiting`,
    },
    {
      name: 'waitlist positions are 1..n',
      ok: positions.every((p, k) => p === k + 1) && waitlisted.length <= input.waitlistCapacity,
      detail:
        waitlisted.length === 0
          ? 'empty'
          : `${positions[0]}..${positions[positions.length - 1]} (${waitlisted.length})`,
    },
    {
      name: 'answers match the records',
      ok: mismatches.length === 0 && lostSeats.length === 0,
      detail:
        mismatches.length + lostSeats.length === 0
          ? `${count('enrolled')} enrolled, ${count('waitlisted')} waitlisted, ${count('refused')} refused`
          : `${mismatches.length} recorded differently than answered, ${lostSeats.length} answered enrolled but not recorded`,
    },
  ];
}
