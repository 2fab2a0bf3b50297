import { describe, expect, it } from 'vitest';
import { capacityChanges } from './schedule-change.service.js';
import type { StoredSchedule } from './schedule.types.js';

const schedule = (sessions: [string, number][]): StoredSchedule => ({
  examId: 'e',
  updatedBy: null,
  updatedAt: '2027-01-01T00:00:00.000Z',
  sessions: sessions.map(([id, seats]) => ({
    id,
    seats,
    room: id,
    startsAt: '2027-01-15T09:00:00.000Z',
    endsAt: '2027-01-15T11:00:00.000Z',
  })),
});

describe('capacityChanges', () => {
  it('lists every new session with its old size (null when new) and every dropped one going to 0', () => {
    expect(
      capacityChanges(
        schedule([
          ['a', 10],
          ['b', 5],
        ]),
        schedule([
          ['a', 12],
          ['c', 3],
        ]),
      ),
    ).toEqual([
      { sessionId: 'a', before: 10, after: 12 },
      { sessionId: 'c', before: null, after: 3 },
      { sessionId: 'b', before: 5, after: 0 },
    ]);
  });
});
