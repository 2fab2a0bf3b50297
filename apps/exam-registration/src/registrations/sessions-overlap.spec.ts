import { describe, expect, it } from 'vitest';
import { sessionsOverlap } from './sessions-overlap.js';

const s = (start: string, end: string) => ({
  startsAt: `2027-01-15T${start}:00.000Z`,
  endsAt: `2027-01-15T${end}:00.000Z`,
});

describe('sessionsOverlap', () => {
  it('sees overlap, containment and identity', () => {
    expect(sessionsOverlap(s('09:00', '11:00'), s('10:00', '12:00'))).toBe(true);
    expect(sessionsOverlap(s('09:00', '17:00'), s('10:00', '11:00'))).toBe(true);
    expect(sessionsOverlap(s('09:00', '11:00'), s('09:00', '11:00'))).toBe(true);
  });
  it('lets sessions that only touch or are apart pass, in either order', () => {
    expect(sessionsOverlap(s('09:00', '11:00'), s('11:00', '13:00'))).toBe(false);
    expect(sessionsOverlap(s('11:00', '13:00'), s('09:00', '11:00'))).toBe(false);
    expect(sessionsOverlap(s('09:00', '10:00'), s('14:00', '15:00'))).toBe(false);
  });
});
