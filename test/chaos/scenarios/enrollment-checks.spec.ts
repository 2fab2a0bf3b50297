import { describe, expect, it } from 'vitest';
import {
  checkAcknowledged,
  checkEventLog,
  checkPoolLog,
  checkSamples,
  checkSeatsFilled,
  type EnrollmentRequest,
  type HoldRow,
  type PoolSample,
  type PoolUpdate,
  type SeatEvent,
} from './enrollment-checks.js';

const C = 'course-1';
const caps = new Map([[C, { capacity: 2, waitlistCapacity: 2 }]]);

function sample(at: number, over: Partial<PoolSample> = {}): PoolSample {
  return {
    atNs: at,
    course: C,
    capacity: 2,
    taken: 1,
    waitlistCapacity: 2,
    waitlisted: 0,
    seatedRows: 1,
    waitlistedRows: 0,
    fence: 10,
    ...over,
  };
}

let nextId = 1;
function ev(holder: string, from: string | null, to: string, reason: string, fence: number): SeatEvent {
  return { id: nextId++, course: C, holder, from, to, reason, fence };
}

function req(student: string, op: 'enroll' | 'drop', outcome: EnrollmentRequest['outcome'], at: number) {
  const status = outcome === 'ok' ? (op === 'enroll' ? 201 : 200) : outcome === 'refused' ? 409 : 503;
  return { student, course: C, op, invokeNs: at, outcome, status } satisfies EnrollmentRequest;
}

const kinds = (a: { kind: string }[]) => a.map((x) => x.kind).sort();

describe('checkSamples', () => {
  it('passes a healthy run and flags overbooking, drift and a fence going down', () => {
    expect(checkSamples([sample(1), sample(2, { fence: 11, taken: 2, seatedRows: 2 })])).toEqual([]);
    expect(kinds(checkSamples([sample(1, { taken: 3, seatedRows: 3 })]))).toEqual(['overbooked']);
    expect(kinds(checkSamples([sample(1, { taken: 2 })]))).toEqual(['seat-count-drift']);
    expect(kinds(checkSamples([sample(2, { fence: 9 }), sample(1)]))).toEqual(['fence-regressed']);
  });
});

describe('checkPoolLog', () => {
  const update = (id: number, oldFence: number, newFence: number, over: Partial<PoolUpdate> = {}) => ({
    id,
    pool: C,
    oldFence,
    newFence,
    taken: 1,
    capacity: 2,
    waitlisted: 0,
    waitlistCapacity: 2,
    ...over,
  });

  it('accepts fences that stay or grow, commit after commit', () => {
    expect(checkPoolLog([update(1, 0, 10), update(2, 10, 10), update(3, 10, 12)])).toEqual([]);
  });

  it("flags a committed update that lowered the fence (a stale holder's write), even when the next one raised it again", () => {
    const found = checkPoolLog([update(1, 0, 10), update(2, 12, 10), update(3, 10, 14)]);
    expect(found.map((a) => a.kind)).toEqual(['fence-regressed']);
    expect(found[0]!.evidence).toEqual([update(2, 12, 10)]);
  });

  it('flags an update that left the pool above its capacity', () => {
    expect(checkPoolLog([update(1, 0, 10, { taken: 3 })]).map((a) => a.kind)).toEqual(['overbooked']);
  });
});

describe('checkEventLog', () => {
  it('accepts admissions, a waitlist, a release with FIFO promotion and a re-admission', () => {
    const log = [
      ev('a', null, 'seated', 'admit', 1),
      ev('b', null, 'seated', 'admit', 2),
      ev('c', null, 'waitlisted', 'admit', 3),
      ev('d', null, 'waitlisted', 'admit', 3),
      ev('a', 'seated', 'released', 'release', 4),
      ev('c', 'waitlisted', 'seated', 'promote', 4),
      ev('a', 'released', 'waitlisted', 'admit', 5),
    ];
    const holds: HoldRow[] = [
      { course: C, holder: 'a', status: 'waitlisted', ticket: 3 },
      { course: C, holder: 'b', status: 'seated', ticket: null },
      { course: C, holder: 'c', status: 'seated', ticket: null },
      { course: C, holder: 'd', status: 'waitlisted', ticket: 2 },
    ];
    expect(checkEventLog(log, holds, caps)).toEqual([]);
  });

  it('replays overbooking and a lower fence committed after a higher one', () => {
    const log = [
      ev('a', null, 'seated', 'admit', 5),
      ev('b', null, 'seated', 'admit', 6),
      ev('c', null, 'seated', 'admit', 4),
    ];
    const holds = ['a', 'b', 'c'].map((h) => ({ course: C, holder: h, status: 'seated', ticket: null }));
    expect(kinds(checkEventLog(log, holds, caps))).toEqual(['fence-regressed', 'overbooked']);
  });

  it('flags a promotion that skips an earlier waiter and a step from the wrong place', () => {
    const log = [
      ev('a', null, 'seated', 'admit', 1),
      ev('b', null, 'seated', 'admit', 1),
      ev('c', null, 'waitlisted', 'admit', 1),
      ev('d', null, 'waitlisted', 'admit', 1),
      ev('a', 'seated', 'released', 'release', 2),
      ev('d', 'waitlisted', 'seated', 'promote', 2),
      ev('b', null, 'waitlisted', 'admit', 3),
    ];
    const holds: HoldRow[] = [
      { course: C, holder: 'a', status: 'released', ticket: null },
      { course: C, holder: 'b', status: 'waitlisted', ticket: 3 },
      { course: C, holder: 'c', status: 'waitlisted', ticket: 1 },
      { course: C, holder: 'd', status: 'seated', ticket: null },
    ];
    expect(kinds(checkEventLog(log, holds, caps))).toEqual(['enrolled-and-waitlisted', 'waitlist-order']);
  });

  it('flags two hold rows for one student and final tickets out of admission order', () => {
    const log = [ev('a', null, 'waitlisted', 'admit', 1), ev('b', null, 'waitlisted', 'admit', 1)];
    const holds: HoldRow[] = [
      { course: C, holder: 'a', status: 'waitlisted', ticket: 2 },
      { course: C, holder: 'b', status: 'waitlisted', ticket: 1 },
      { course: C, holder: 'b', status: 'waitlisted', ticket: 1 },
    ];
    expect(kinds(checkEventLog(log, holds, caps))).toEqual(['enrolled-and-waitlisted', 'waitlist-order']);
  });
});

describe('checkAcknowledged', () => {
  const seated: HoldRow[] = [{ course: C, holder: 's', status: 'seated', ticket: null }];

  it('accepts an acknowledged enrollment present at the end, and an unknown one either way', () => {
    const log = [ev('s', null, 'seated', 'admit', 1)];
    expect(checkAcknowledged([req('s', 'enroll', 'ok', 1)], log, seated)).toEqual([]);
    expect(checkAcknowledged([req('s', 'enroll', 'unknown', 1)], log, seated)).toEqual([]);
    expect(checkAcknowledged([req('s', 'enroll', 'unknown', 1)], [], [])).toEqual([]);
  });

  it('flags a 201 the database never recorded, and one gone at the end with no drop after it', () => {
    // Both findings of one kind are merged into one anomaly with a count.
    const lost = checkAcknowledged([req('s', 'enroll', 'ok', 1)], [], []);
    expect(kinds(lost)).toEqual(['lost-acknowledged-enrollment']);
    expect(lost[0]!.message).toMatch(/\(2 times\)$/);
    const log = [ev('s', null, 'seated', 'admit', 1), ev('s', 'seated', 'released', 'release', 2)];
    const released: HoldRow[] = [{ course: C, holder: 's', status: 'released', ticket: null }];
    // Released with no drop request at all: lost, and a release nobody asked for.
    expect(kinds(checkAcknowledged([req('s', 'enroll', 'ok', 1)], log, released))).toEqual([
      'lost-acknowledged-enrollment',
      'refused-but-recorded',
    ]);
    // A later unknown drop may explain it.
    expect(
      checkAcknowledged([req('s', 'enroll', 'ok', 1), req('s', 'drop', 'unknown', 2)], log, released),
    ).toEqual([]);
  });

  it('flags a definite refusal that the database recorded anyway', () => {
    const log = [ev('s', null, 'seated', 'admit', 1)];
    expect(kinds(checkAcknowledged([req('s', 'enroll', 'refused', 1)], log, seated))).toEqual([
      'refused-but-recorded',
    ]);
  });

  it('flags an acknowledged drop whose seat is back with no enrollment after it', () => {
    const log = [ev('s', null, 'seated', 'admit', 1)];
    expect(
      kinds(checkAcknowledged([req('s', 'enroll', 'ok', 1), req('s', 'drop', 'ok', 2)], log, seated)),
    ).toEqual(['lost-acknowledged-drop']);
  });
});

describe('checkSeatsFilled', () => {
  it('flags a free seat while someone waits', () => {
    expect(checkSeatsFilled([sample(1, { taken: 2, seatedRows: 2, waitlistedRows: 1 })])).toEqual([]);
    expect(kinds(checkSeatsFilled([sample(1, { waitlisted: 1, waitlistedRows: 1 })]))).toEqual([
      'seat-left-free',
    ]);
  });
});
