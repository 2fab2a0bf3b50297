import { describe, expect, it } from 'vitest';
import { datesProblem, dropAllowed, enrollmentOpen } from './course-window.js';

const d = (s: string) => new Date(s);
const dates = {
  enrollmentOpensAt: d('2026-12-01T08:00:00Z'),
  enrollmentClosesAt: d('2026-12-15T08:00:00Z'),
  dropDeadline: d('2027-01-10T00:00:00Z'),
};

describe('course window', () => {
  it('is open from opensAt inclusive to closesAt exclusive', () => {
    expect(enrollmentOpen(dates, d('2026-12-01T07:59:59.999Z'))).toBe(false);
    expect(enrollmentOpen(dates, d('2026-12-01T08:00:00Z'))).toBe(true);
    expect(enrollmentOpen(dates, d('2026-12-15T07:59:59Z'))).toBe(true);
    expect(enrollmentOpen(dates, d('2026-12-15T08:00:00Z'))).toBe(false);
    expect(
      enrollmentOpen(
        { enrollmentOpensAt: null, enrollmentClosesAt: null, dropDeadline: null },
        d('2000-01-01'),
      ),
    ).toBe(true);
  });
  it('lets students drop until the deadline', () => {
    expect(dropAllowed(dates, d('2027-01-09T23:59:59Z'))).toBe(true);
    expect(dropAllowed(dates, d('2027-01-10T00:00:00Z'))).toBe(false);
  });
  it('refuses a window that closes before it opens', () => {
    expect(datesProblem({ ...dates, enrollmentClosesAt: d('2026-12-01T08:00:00Z') })).toMatch(/after/);
    expect(datesProblem(dates)).toBeNull();
  });
});
