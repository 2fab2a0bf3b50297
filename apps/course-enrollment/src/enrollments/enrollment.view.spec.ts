import { describe, expect, it } from 'vitest';
import { enrollmentView, historyEntry, seatStatusOf } from './enrollment.view.js';

const at = new Date('2026-12-03T10:00:00Z');

describe('enrollment views', () => {
  it('speaks enrollment, not seats: seated -> enrolled, released -> dropped', () => {
    const base = { poolId: 'c', holderId: 's', createdAt: at, updatedAt: at };
    expect(enrollmentView({ ...base, status: 'seated', position: null, seatedAt: at })).toEqual({
      courseId: 'c',
      studentId: 's',
      status: 'enrolled',
      enrolledAt: at.toISOString(),
      updatedAt: at.toISOString(),
    });
    expect(enrollmentView({ ...base, status: 'waitlisted', position: 3, seatedAt: null })).toMatchObject({
      status: 'waitlisted',
      position: 3,
    });
    expect(enrollmentView({ ...base, status: 'released', position: null, seatedAt: null }).status).toBe(
      'dropped',
    );
    expect(seatStatusOf('dropped')).toBe('released');
  });

  it('maps history rows', () => {
    expect(
      historyEntry({
        id: 1,
        poolId: 'c',
        holderId: 's',
        fromStatus: 'waitlisted',
        toStatus: 'seated',
        reason: 'promote',
        fence: 7,
        actorId: null,
        at,
      }),
    ).toEqual({ from: 'waitlisted', to: 'enrolled', reason: 'promote', actorId: null, at: at.toISOString() });
  });
});
