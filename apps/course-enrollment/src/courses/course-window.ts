/** Enrollment window and drop deadline rules, pure (the clock is passed in). */
export interface CourseDates {
  enrollmentOpensAt: Date | null;
  enrollmentClosesAt: Date | null;
  dropDeadline: Date | null;
}

/** Whether students may enroll at `now` (opensAt inclusive, closesAt exclusive). */
export function enrollmentOpen(c: CourseDates, now: Date): boolean {
  if (c.enrollmentOpensAt !== null && now < c.enrollmentOpensAt) return false;
  if (c.enrollmentClosesAt !== null && now >= c.enrollmentClosesAt) return false;
  return true;
}

/** Whether a student may still drop themself at `now` (after the deadline only staff may). */
export function dropAllowed(c: CourseDates, now: Date): boolean {
  return c.dropDeadline === null || now < c.dropDeadline;
}

/** A reason the dates contradict each other, or null. */
export function datesProblem(c: CourseDates): string | null {
  if (
    c.enrollmentOpensAt !== null &&
    c.enrollmentClosesAt !== null &&
    c.enrollmentClosesAt <= c.enrollmentOpensAt
  ) {
    return 'enrollmentClosesAt must be after enrollmentOpensAt';
  }
  return null;
}
