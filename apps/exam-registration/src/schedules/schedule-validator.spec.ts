import { describe, expect, it } from 'vitest';
import {
  roomOverlaps,
  scheduleTooLarge,
  SCHEDULE_LIMITS,
  validateScheduleInput,
} from './schedule-validator.js';

const session = (over: Record<string, unknown> = {}) => ({
  id: 's1',
  startsAt: '2027-01-15T09:00:00Z',
  endsAt: '2027-01-15T11:00:00Z',
  room: 'H1',
  seats: 20,
  ...over,
});

function errorsOf(body: unknown): string[] {
  const r = validateScheduleInput(body);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors;
}

describe('validateScheduleInput', () => {
  it('accepts a valid schedule and normalises times, rooms and order', () => {
    const r = validateScheduleInput({
      sessions: [
        session({
          id: 'b',
          startsAt: '2027-01-15T12:00:00+01:00',
          endsAt: '2027-01-15T13:00:00+01:00',
          room: ' H2 ',
        }),
        session({ id: 'a' }),
      ],
    });
    expect(r).toEqual({
      ok: true,
      value: {
        sessions: [
          {
            id: 'a',
            startsAt: '2027-01-15T09:00:00.000Z',
            endsAt: '2027-01-15T11:00:00.000Z',
            room: 'H1',
            seats: 20,
          },
          {
            id: 'b',
            startsAt: '2027-01-15T11:00:00.000Z',
            endsAt: '2027-01-15T12:00:00.000Z',
            room: 'H2',
            seats: 20,
          },
        ],
        moves: [],
        force: false,
      },
    });
  });

  it('accepts back-to-back sessions in one room and overlapping ones in different rooms', () => {
    const r = validateScheduleInput({
      sessions: [
        session({ id: 'a' }),
        session({ id: 'b', startsAt: '2027-01-15T11:00:00Z', endsAt: '2027-01-15T12:00:00Z' }),
        session({ id: 'c', room: 'H2' }),
      ],
    });
    expect(r.ok).toBe(true);
  });

  it('refuses two sessions overlapping in one room (room names compared case-insensitively)', () => {
    const errs = errorsOf({
      sessions: [
        session({ id: 'a' }),
        session({ id: 'b', room: 'h1', startsAt: '2027-01-15T10:59:00Z', endsAt: '2027-01-15T12:00:00Z' }),
      ],
    });
    expect(errs).toEqual(['sessions a and b overlap in room H1']);
  });

  it('finds an overlap hidden behind a long session', () => {
    const long = session({ id: 'long', startsAt: '2027-01-15T08:00:00Z', endsAt: '2027-01-15T18:00:00Z' });
    const short1 = session({ id: 'x', startsAt: '2027-01-15T09:00:00Z', endsAt: '2027-01-15T09:30:00Z' });
    const short2 = session({ id: 'y', startsAt: '2027-01-15T16:00:00Z', endsAt: '2027-01-15T16:30:00Z' });
    expect(roomOverlaps([long, short1, short2] as never).map(([a, b]) => `${a.id}/${b.id}`)).toEqual([
      'long/x',
      'long/y',
    ]);
  });

  it('refuses a session that ends before or when it starts', () => {
    expect(errorsOf({ sessions: [session({ endsAt: '2027-01-15T08:00:00Z' })] })[0]).toMatch(
      /must end after it starts/,
    );
    expect(errorsOf({ sessions: [session({ endsAt: '2027-01-15T09:00:00Z' })] })[0]).toMatch(
      /must end after it starts/,
    );
  });

  it('refuses negative, fractional, huge and non-numeric seats', () => {
    for (const seats of [-1, 1.5, SCHEDULE_LIMITS.maxSeats + 1, '20', null]) {
      expect(errorsOf({ sessions: [session({ seats })] })).toEqual([
        `sessions[0].seats must be an integer from 0 to ${SCHEDULE_LIMITS.maxSeats}`,
      ]);
    }
    expect(validateScheduleInput({ sessions: [session({ seats: 0 })] }).ok).toBe(true);
  });

  it('refuses unknown fields at every level', () => {
    expect(errorsOf({ sessions: [], extra: 1 })).toEqual(['unknown field(s): extra']);
    expect(errorsOf({ sessions: [session({ capacity: 3 })] })).toEqual([
      'sessions[0] has unknown field(s): capacity',
    ]);
    expect(errorsOf({ sessions: [session()], moves: [{ from: 'x', to: 's1', count: 2 }] })).toEqual([
      'moves[0] has unknown field(s): count',
    ]);
  });

  it('takes force only as a boolean (default false)', () => {
    const forced = validateScheduleInput({ sessions: [session()], force: true });
    expect(forced.ok && forced.value.force).toBe(true);
    const plain = validateScheduleInput({ sessions: [session()] });
    expect(plain.ok && plain.value.force).toBe(false);
    for (const force of ['true', 1, null]) {
      expect(errorsOf({ sessions: [session()], force })).toEqual(['force must be true or false']);
    }
  });

  it('refuses times without a zone, garbage times, and missing fields', () => {
    expect(errorsOf({ sessions: [session({ startsAt: '2027-01-15T09:00:00' })] })[0]).toMatch(/with a zone/);
    expect(errorsOf({ sessions: [session({ startsAt: '2027-13-45T09:00:00Z' })] })[0]).toMatch(/not a valid/);
    expect(errorsOf({ sessions: [{ id: 'a' }] }).length).toBeGreaterThanOrEqual(3);
    expect(errorsOf({})).toEqual(['sessions must be an array']);
    expect(errorsOf([])).toEqual(['body must be a JSON object {sessions, moves?, force?}']);
  });

  it('refuses duplicate ids, bad ids, empty rooms', () => {
    expect(errorsOf({ sessions: [session(), session({ room: 'H2' })] })).toEqual(['duplicate session id s1']);
    expect(errorsOf({ sessions: [session({ id: '../x' })] })[0]).toMatch(/\.id must be/);
    expect(errorsOf({ sessions: [session({ room: '  ' })] })[0]).toMatch(/\.room must be/);
  });

  it('refuses moves to sessions outside the new schedule, onto themselves, or twice from one session', () => {
    expect(errorsOf({ sessions: [session()], moves: [{ from: 'old', to: 'nope' }] })).toEqual([
      'move target nope is not a session of the new schedule',
    ]);
    expect(errorsOf({ sessions: [session()], moves: [{ from: 's1', to: 's1' }] })).toEqual([
      'moves[0] moves a session onto itself',
    ]);
    expect(
      errorsOf({
        sessions: [session()],
        moves: [
          { from: 'old', to: 's1' },
          { from: 'old', to: 's1' },
        ],
      }),
    ).toEqual(['more than one move from session old']);
  });

  it('bounds the number of sessions and the serialised size', () => {
    const many = Array.from({ length: SCHEDULE_LIMITS.maxSessions + 1 }, (_, i) =>
      session({ id: `s${i}`, room: `R${i}` }),
    );
    expect(errorsOf({ sessions: many })[0]).toMatch(/at most/);
    expect(scheduleTooLarge('x'.repeat(SCHEDULE_LIMITS.maxSerializedBytes + 1))).toMatch(/more than/);
    expect(scheduleTooLarge('x'.repeat(10))).toBeUndefined();
  });
});
