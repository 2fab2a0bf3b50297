import { describe, expect, it } from 'vitest';
import {
  checkFencing,
  checkGrantOrder,
  checkRejections,
  checkResourceLog,
  countOverlappingHolds,
  type Grant,
  type ResourceWrite,
} from './fencing-checks.js';

const g = (worker: string, invoke: number, complete: number, token: number): Grant => ({
  worker,
  invokeNs: BigInt(invoke),
  completeNs: BigInt(complete),
  token,
});
const w = (worker: string, token: number, arrived: number, accepted: boolean): ResourceWrite => ({
  worker,
  token,
  arrivedNs: BigInt(arrived),
  accepted,
});

/** Kleppmann's story: a pauses holding token 10, b is granted 20 and writes, a wakes and writes 10. */
const goodGrants = [g('a', 0, 5, 10), g('b', 3, 50, 20), g('c', 60, 70, 30)];
const goodWrites = [w('a', 10, 8, true), w('b', 20, 55, true), w('a', 10, 58, false), w('c', 30, 75, true)];

describe('fencing checks', () => {
  it('accept a history where a paused holder was fenced off', () => {
    expect(checkFencing(goodGrants, goodWrites)).toEqual([]);
  });

  it('accept concurrent grants in either token order (neither completed before the other began)', () => {
    expect(checkGrantOrder([g('a', 0, 10, 7), g('b', 5, 12, 6)])).toEqual([]);
  });

  it('flag a later grant with a smaller token', () => {
    const out = checkGrantOrder([g('a', 0, 5, 10), g('b', 6, 9, 9)]);
    expect(out.map((a) => a.kind)).toEqual(['token-not-increasing']);
  });

  it('flag two grants sharing a token', () => {
    const out = checkGrantOrder([g('a', 0, 5, 10), g('b', 1, 6, 10)]);
    expect(out.map((a) => a.kind)).toContain('duplicate-token');
  });

  it('flag a stale token the resource accepted', () => {
    const out = checkResourceLog([w('b', 20, 1, true), w('a', 10, 2, true)]);
    expect(out.map((a) => a.kind)).toEqual(['stale-token-accepted']);
  });

  it('flag a write rejected although its token was the highest', () => {
    const out = checkResourceLog([w('a', 10, 1, true), w('b', 20, 2, false)]);
    expect(out.map((a) => a.kind)).toEqual(['write-wrongly-rejected']);
  });

  it('accept repeated writes with the same token', () => {
    expect(checkResourceLog([w('a', 10, 1, true), w('a', 10, 2, true)])).toEqual([]);
  });

  it('flag a rejection with no newer grant completed before the write arrived', () => {
    // b's grant with token 20 completes only after a's stale write arrived: nothing explains it.
    const grants = [g('a', 0, 5, 10), g('b', 3, 60, 20)];
    const out = checkRejections(grants, [w('a', 10, 58, false)]);
    expect(out.map((a) => a.kind)).toEqual(['unexplained-rejection']);
  });

  it('flag a write whose token its writer was never granted', () => {
    const out = checkRejections([g('a', 0, 5, 10)], [w('b', 10, 8, true)]);
    expect(out.map((a) => a.kind)).toEqual(['write-with-ungranted-token']);
  });

  it("count holds overrun by another worker's hold, once each", () => {
    const h = (worker: string, from: number, to: number) => ({
      worker,
      fromNs: BigInt(from),
      toNs: BigInt(to),
    });
    expect(countOverlappingHolds([h('a', 0, 10), h('b', 10, 20), h('a', 20, 30)])).toBe(0);
    expect(countOverlappingHolds([h('a', 0, 100), h('b', 10, 20), h('c', 30, 40), h('a', 50, 60)])).toBe(1);
    expect(countOverlappingHolds([h('a', 0, 15), h('b', 10, 35), h('c', 30, 40)])).toBe(2);
  });
});
