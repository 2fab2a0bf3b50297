import { describe, expect, it } from 'vitest';
import { planScheduleChange, type HeldSeat } from './schedule-plan.js';
import type { ScheduleSession } from './schedule.types.js';

const s = (id: string, seats: number, over: Partial<ScheduleSession> = {}): ScheduleSession => ({
  id,
  startsAt: '2027-01-15T09:00:00.000Z',
  endsAt: '2027-01-15T11:00:00.000Z',
  room: `R-${id}`,
  seats,
  ...over,
});
const held = (sessionId: string, n: number): HeldSeat[] =>
  Array.from({ length: n }, (_, i) => ({
    registrationId: `${sessionId}-r${i}`,
    studentId: `${sessionId}-st${i}`,
    sessionId,
  }));

describe('planScheduleChange', () => {
  it('allows dropping an empty session and reports time/room changes', () => {
    const r = planScheduleChange([s('a', 5), s('b', 5)], [s('a', 5, { room: 'Other' })], held('a', 2), []);
    expect(r).toEqual({
      ok: true,
      plan: {
        reassignments: [],
        changed: [{ sessionId: 'a', before: s('a', 5), after: s('a', 5, { room: 'Other' }) }],
        dropped: ['b'],
      },
    });
  });

  it('refuses dropping a session with registrations unless a move says where they go', () => {
    const r = planScheduleChange([s('a', 5), s('b', 5)], [s('b', 5)], held('a', 2), []);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.conflicts[0]).toMatch(/session a has 2 registration\(s\) and is dropped/);
    const ok = planScheduleChange([s('a', 5), s('b', 5)], [s('b', 5)], held('a', 2), [
      { from: 'a', to: 'b' },
    ]);
    expect(ok.ok && ok.plan.reassignments.map((x) => `${x.registrationId}->${x.to}`)).toEqual([
      'a-r0->b',
      'a-r1->b',
    ]);
  });

  it('refuses cutting seats below registrations; a move takes only the newest overflow', () => {
    const r = planScheduleChange([s('a', 5), s('b', 5)], [s('a', 1), s('b', 5)], held('a', 3), []);
    expect(!r.ok && r.conflicts[0]).toMatch(/would have 1 seat\(s\): say where 2 go/);
    const ok = planScheduleChange([s('a', 5), s('b', 5)], [s('a', 1), s('b', 5)], held('a', 3), [
      { from: 'a', to: 'b' },
    ]);
    expect(ok.ok && ok.plan.reassignments.map((x) => x.registrationId)).toEqual(['a-r1', 'a-r2']);
  });

  it('refuses a move into a target without room for who stays plus who arrives', () => {
    const r = planScheduleChange(
      [s('a', 5), s('b', 3)],
      [s('b', 3)],
      [...held('a', 2), ...held('b', 2)],
      [{ from: 'a', to: 'b' }],
    );
    expect(!r.ok && r.conflicts).toEqual(['session b has 3 seat(s): 2 registered + 2 moved in do not fit']);
  });

  it('refuses a move that nothing needs', () => {
    const r = planScheduleChange([s('a', 5), s('b', 5)], [s('a', 5), s('b', 5)], held('a', 1), [
      { from: 'a', to: 'b' },
    ]);
    expect(!r.ok && r.conflicts[0]).toMatch(/move from a is not needed/);
  });

  it('allows a move from a dropped session that had no registrations', () => {
    const r = planScheduleChange([s('a', 5), s('b', 5)], [s('b', 5)], [], [{ from: 'a', to: 'b' }]);
    expect(r.ok).toBe(true);
  });
});
