import { describe, expect, it } from 'vitest';
import { auditOpening, type Answer } from '../../scripts/platform/demo/opening-audit.js';

const enrolled = (id: string): Answer => ({ kind: 'enrolled', studentId: id });
const waitlisted = (id: string, position: number): Answer => ({
  kind: 'waitlisted',
  studentId: id,
  position,
});
const refused = (id: string): Answer => ({ kind: 'refused', studentId: id, status: 409, message: 'full' });
const failed = (checks: ReturnType<typeof auditOpening>) => checks.filter((c) => !c.ok).map((c) => c.name);

describe('auditOpening', () => {
  it('passes a correct run', () => {
    const checks = auditOpening({
      capacity: 2,
      waitlistCapacity: 1,
      students: 4,
      answers: [enrolled('a'), enrolled('b'), waitlisted('c', 1), refused('d')],
      recorded: [
        { studentId: 'a', status: 'enrolled' },
        { studentId: 'b', status: 'enrolled' },
        { studentId: 'c', status: 'waitlisted', position: 1 },
      ],
    });
    expect(failed(checks)).toEqual([]);
  });

  it('catches overbooking, gaps, lost answers and a seat answered but not recorded', () => {
    const checks = auditOpening({
      capacity: 1,
      waitlistCapacity: 5,
      students: 5,
      answers: [
        enrolled('a'),
        enrolled('b'),
        waitlisted('c', 2),
        { kind: 'error', studentId: 'd', status: 502, message: 'x' },
      ],
      recorded: [
        { studentId: 'a', status: 'enrolled' },
        { studentId: 'x', status: 'enrolled' },
        { studentId: 'c', status: 'waitlisted', position: 2 },
      ],
    });
    expect(failed(checks)).toEqual([
      'every request answered',
      'no unexpected errors',
      'enrolled <= capacity',
      'waitlist positions are 1..n',
      'answers match the records',
    ]);
  });
});
