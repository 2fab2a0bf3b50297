import type { ScheduleSession } from '../schedules/schedule.types.js';

/** Half-open intervals: an exam ending at 11:00 does not clash with one starting at 11:00. */
export function sessionsOverlap(
  a: Pick<ScheduleSession, 'startsAt' | 'endsAt'>,
  b: Pick<ScheduleSession, 'startsAt' | 'endsAt'>,
): boolean {
  return Date.parse(a.startsAt) < Date.parse(b.endsAt) && Date.parse(b.startsAt) < Date.parse(a.endsAt);
}
