import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSeatOps, needsWaitlist } from './seat-decisions.js';
import type { PoolCounts, PoolModel, SeatOp, SeatStatus, WaitlistEntry } from './seat-model.js';

const counts = (over: Partial<PoolCounts> = {}): PoolCounts => ({
  capacity: 2,
  taken: 0,
  waitlistCapacity: 2,
  waitlisted: 0,
  nextTicket: 1,
  ...over,
});
const admit = (holderId: string): SeatOp => ({ kind: 'admit', holderId });
const release = (holderId: string): SeatOp => ({ kind: 'release', holderId });
const model = (
  c: PoolCounts,
  statuses: Record<string, SeatStatus> = {},
  waitlist?: WaitlistEntry[],
): PoolModel => ({
  counts: c,
  statuses: new Map(Object.entries(statuses)),
  waitlist,
});

describe('decideSeatOps', () => {
  it('seats while seats are free, then waitlists in arrival order, then refuses', () => {
    const d = decideSeatOps(model(counts()), ['a', 'b', 'c', 'd', 'e'].map(admit));
    expect(d.results).toEqual([
      { kind: 'seated' },
      { kind: 'seated' },
      { kind: 'waitlisted', position: 1 },
      { kind: 'waitlisted', position: 2 },
      { kind: 'refused', reason: 'full' },
    ]);
    expect(d.counts).toEqual({ capacity: 2, taken: 2, waitlistCapacity: 2, waitlisted: 2, nextTicket: 3 });
    expect(d.changes.map((c) => [c.holderId, c.to, c.ticket])).toEqual([
      ['a', 'seated', null],
      ['b', 'seated', null],
      ['c', 'waitlisted', 1],
      ['d', 'waitlisted', 2],
    ]);
  });

  it('refuses a holder already seated or waitlisted, also twice within one batch', () => {
    const d = decideSeatOps(model(counts({ capacity: 1, taken: 1 }), { a: 'seated' }), [
      admit('a'),
      admit('b'),
      admit('b'),
    ]);
    expect(d.results).toEqual([
      { kind: 'refused', reason: 'already-seated' },
      { kind: 'waitlisted', position: 1 },
      { kind: 'refused', reason: 'already-waitlisted' },
    ]);
    expect(d.changes).toHaveLength(1);
  });

  it('lets a released holder come back (to the back of the line)', () => {
    const d = decideSeatOps(
      model(counts({ capacity: 1, taken: 1, waitlisted: 1, nextTicket: 8 }), { a: 'released' }, [
        { holderId: 'w', ticket: 7 },
      ]),
      [admit('a')],
    );
    expect(d.results).toEqual([{ kind: 'waitlisted', position: 2 }]);
    expect(d.changes[0]).toMatchObject({ holderId: 'a', from: 'released', to: 'waitlisted', ticket: 8 });
  });

  it('a release promotes the head of the waitlist into the freed seat', () => {
    const d = decideSeatOps(
      model(counts({ capacity: 1, taken: 1, waitlisted: 2, nextTicket: 3 }), { a: 'seated' }, [
        { holderId: 'w1', ticket: 1 },
        { holderId: 'w2', ticket: 2 },
      ]),
      [{ kind: 'release', holderId: 'a', actorId: 'staff' }],
    );
    expect(d.results).toEqual([{ kind: 'released', from: 'seated', promoted: ['w1'] }]);
    expect(d.counts).toMatchObject({ taken: 1, waitlisted: 1 });
    expect(d.changes.map((c) => [c.holderId, c.from, c.to, c.reason, c.actorId])).toEqual([
      ['a', 'seated', 'released', 'release', 'staff'],
      ['w1', 'waitlisted', 'seated', 'promote', 'staff'],
    ]);
  });

  it('releasing a waitlisted holder frees its place and moves the others up', () => {
    const d = decideSeatOps(
      model(counts({ capacity: 1, taken: 1, waitlisted: 2, nextTicket: 3 }), { w1: 'waitlisted' }, [
        { holderId: 'w1', ticket: 1 },
        { holderId: 'w2', ticket: 2 },
      ]),
      [release('w1'), admit('n')],
    );
    expect(d.results).toEqual([
      { kind: 'released', from: 'waitlisted', promoted: [] },
      { kind: 'waitlisted', position: 2 },
    ]);
  });

  it('releasing someone who holds nothing changes nothing', () => {
    const d = decideSeatOps(model(counts(), { x: 'released' }, []), [release('x'), release('y')]);
    expect(d.results).toEqual([{ kind: 'not-held' }, { kind: 'not-held' }]);
    expect(d.changes).toEqual([]);
  });

  it('a newcomer never jumps the line into a seat freed by something that did not promote', () => {
    const d = decideSeatOps(
      model(counts({ capacity: 2, taken: 1, waitlisted: 1, nextTicket: 2 }), {}, [
        { holderId: 'w', ticket: 1 },
      ]),
      [admit('n')],
    );
    expect(d.results).toEqual([{ kind: 'waitlisted', position: 1 }]);
    expect(d.changes.map((c) => [c.holderId, c.to, c.reason])).toEqual([
      ['w', 'seated', 'promote'],
      ['n', 'waitlisted', 'admit'],
    ]);
  });

  it('capacity growth promotes in ticket order; shrinking below the seated count is refused', () => {
    const start = model(counts({ capacity: 1, taken: 1, waitlisted: 2, nextTicket: 3 }), {}, [
      { holderId: 'w1', ticket: 1 },
      { holderId: 'w2', ticket: 2 },
    ]);
    const grown = decideSeatOps(start, [{ kind: 'resize', capacity: 2 }]);
    expect(grown.results).toEqual([{ kind: 'resized', promoted: ['w1'] }]);
    expect(grown.counts).toMatchObject({ capacity: 2, taken: 2, waitlisted: 1 });

    const shrunk = decideSeatOps(start, [{ kind: 'resize', capacity: 0 }]);
    expect(shrunk.results[0]).toMatchObject({ kind: 'resize-refused', reason: 'capacity-below-taken' });
    expect(shrunk.changes).toEqual([]);
    expect(shrunk.counts).toEqual(start.counts);
  });

  it('a waitlist may shrink only to who is still on it after the growth promoted', () => {
    const start = model(
      counts({ capacity: 1, taken: 1, waitlistCapacity: 3, waitlisted: 3, nextTicket: 4 }),
      {},
      [
        { holderId: 'w1', ticket: 1 },
        { holderId: 'w2', ticket: 2 },
        { holderId: 'w3', ticket: 3 },
      ],
    );
    expect(decideSeatOps(start, [{ kind: 'resize', waitlistCapacity: 2 }]).results[0]).toMatchObject({
      kind: 'resize-refused',
      reason: 'waitlist-below-waitlisted',
    });
    const ok = decideSeatOps(start, [{ kind: 'resize', capacity: 2, waitlistCapacity: 2 }]);
    expect(ok.results[0]).toEqual({ kind: 'resized', promoted: ['w1'] });
    expect(ok.counts).toMatchObject({ capacity: 2, waitlistCapacity: 2, waitlisted: 2 });
  });

  it('promote fills free seats from the waitlist', () => {
    const d = decideSeatOps(
      model(counts({ capacity: 3, taken: 1, waitlisted: 1, nextTicket: 2 }), {}, [
        { holderId: 'w', ticket: 1 },
      ]),
      [{ kind: 'promote' }],
    );
    expect(d.results).toEqual([{ kind: 'promoted', promoted: ['w'] }]);
  });

  it('refuses to guess when a promotion is possible but the waitlist was not loaded', () => {
    const c = counts({ capacity: 2, taken: 1, waitlisted: 1 });
    expect(needsWaitlist(c, [admit('n')])).toBe(true);
    expect(() => decideSeatOps(model(c), [admit('n')])).toThrow(/needs the waitlist/);
  });

  it('an admission-only batch into a full pool does not need the waitlist', () => {
    expect(needsWaitlist(counts({ capacity: 1, taken: 1, waitlisted: 1 }), [admit('n')])).toBe(false);
    expect(needsWaitlist(counts({ capacity: 1, taken: 0, waitlisted: 0 }), [admit('n')])).toBe(false);
    expect(needsWaitlist(counts({ capacity: 1, taken: 1, waitlisted: 0 }), [release('a')])).toBe(true);
  });

  // Model check: random batches against a naive replay keep the invariants a pool promises.
  it('never exceeds capacity or waitlist, keeps FIFO promotion, and counts match the statuses', () => {
    const holder = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g');
    const op: fc.Arbitrary<SeatOp> = fc.oneof(
      holder.map((h) => admit(h)),
      holder.map((h) => release(h)),
      fc.record({ kind: fc.constant('resize' as const), capacity: fc.integer({ min: 0, max: 5 }) }),
      fc.constant({ kind: 'promote' } as SeatOp),
    );
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 8 }), { maxLength: 6 }), (batches) => {
        let c = counts({ capacity: 2, waitlistCapacity: 3 });
        const statuses = new Map<string, SeatStatus>();
        let waitlist: WaitlistEntry[] = [];
        for (const batch of batches) {
          const d = decideSeatOps({ counts: c, statuses, waitlist }, batch);
          for (const ch of d.changes) {
            statuses.set(ch.holderId, ch.to);
            waitlist = waitlist.filter((w) => w.holderId !== ch.holderId);
            if (ch.to === 'waitlisted') waitlist.push({ holderId: ch.holderId, ticket: ch.ticket! });
            if (ch.reason === 'promote') expect(ch.from).toBe('waitlisted');
          }
          const promotedTickets = d.changes.filter((ch) => ch.reason === 'promote');
          expect(promotedTickets.length).toBeLessThanOrEqual(d.changes.length);
          c = d.counts;
          const seated = [...statuses.values()].filter((s) => s === 'seated').length;
          const waiting = [...statuses.values()].filter((s) => s === 'waitlisted').length;
          expect(c.taken).toBe(seated);
          expect(c.waitlisted).toBe(waiting);
          expect(c.taken).toBeLessThanOrEqual(c.capacity);
          expect(c.waitlisted).toBeLessThanOrEqual(c.waitlistCapacity);
          // Nobody waits while a seat is free.
          expect(c.waitlisted === 0 || c.taken === c.capacity).toBe(true);
          // Tickets strictly increase along the waitlist.
          waitlist.sort((x, y) => x.ticket - y.ticket);
        }
      }),
      { seed: Number(process.env['SEED'] ?? Date.now() % 2 ** 31), verbose: 1 },
    );
  });
});
