import { describe, expect, it } from 'vitest';
import {
  checkFencing,
  checkGrantOrder,
  checkLiveHolders,
  countOverlappingHolds,
  type Grant,
  type HoldProof,
} from './fencing-checks.js';

const g = (worker: string, invoke: number, complete: number, token: number): Grant => ({
  worker,
  invokeNs: BigInt(invoke),
  completeNs: BigInt(complete),
  token,
});
const proof = (worker: string, token: number, invoke: number, alive: boolean): HoldProof => ({
  worker,
  token,
  invokeNs: BigInt(invoke),
  alive,
});

/** Kleppmann's story: a pauses holding token 10, b is granted 20 and writes, a wakes and writes 10. */
const goodGrants = [g('a', 0, 5, 10), g('b', 3, 50, 20), g('c', 60, 70, 30)];
const goodProofs = [
  proof('a', 10, 9, true),
  proof('b', 20, 56, true),
  proof('a', 10, 59, false),
  proof('c', 30, 76, true),
];

describe('fencing checks', () => {
  it('accept a history where a paused holder was fenced off', () => {
    expect(checkFencing(goodGrants, goodProofs)).toEqual([]);
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

  it('flag a holder proving its node alive after a newer grant completed', () => {
    // b was granted 20 at t=50; a (token 10) still wrote its own node at t=58: two live holders.
    const out = checkLiveHolders(goodGrants, [proof('a', 10, 58, true)]);
    expect(out.map((a) => a.kind)).toEqual(['two-live-holders']);
  });

  it('accept a holder that finds its node gone after a newer grant (the paused, expired one)', () => {
    expect(checkLiveHolders(goodGrants, [proof('a', 10, 58, false)])).toEqual([]);
  });

  it('accept a live proof made before any newer grant completed', () => {
    // b's grant (token 20) completes at 50; a proved alive at 40: a still held the lock then.
    expect(checkLiveHolders(goodGrants, [proof('a', 10, 40, true), proof('b', 20, 56, true)])).toEqual([]);
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
