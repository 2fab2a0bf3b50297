import { describe, expect, it } from 'vitest';
import { counterOf, epochOf, makeZxid, nextZxid } from './zxid.js';
import { isQuorum, majority, quorumValue } from './quorum.js';

describe('zxid arithmetic', () => {
  it('splits epoch and counter beyond 32 bits without bit operators', () => {
    const z = makeZxid(70000, 0xfffffffe);
    expect(epochOf(z)).toBe(70000);
    expect(counterOf(z)).toBe(0xfffffffe);
    expect(z).toBeGreaterThan(2 ** 32 * 69999);
  });

  it('expects consecutive counters within an epoch and counter 1 in a new one', () => {
    expect(nextZxid(makeZxid(3, 7), 3)).toBe(makeZxid(3, 8));
    expect(nextZxid(makeZxid(2, 7), 3)).toBe(makeZxid(3, 1));
    expect(nextZxid(0, 1)).toBe(makeZxid(1, 1));
  });
});

describe('majority quorums', () => {
  it('needs more than half of the voters', () => {
    expect(majority(1)).toBe(1);
    expect(majority(3)).toBe(2);
    expect(majority(4)).toBe(3);
    expect(majority(5)).toBe(3);
  });

  it('ignores non-voters when counting', () => {
    const voters = new Set([1, 2, 3]);
    expect(isQuorum([1, 4, 5], voters)).toBe(false);
    expect(isQuorum([1, 3], voters)).toBe(true);
  });

  it('commit point is the highest zxid a majority has acked', () => {
    const voters = new Set([1, 2, 3, 4, 5]);
    const acked = new Map([
      [1, 50],
      [2, 40],
      [3, 10],
      [9, 100], // not a voter
    ]);
    expect(quorumValue(acked, voters)).toBe(10);
    acked.set(4, 45);
    expect(quorumValue(acked, voters)).toBe(40);
  });
});
