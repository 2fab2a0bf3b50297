import { describe, expect, it } from 'vitest';
import { candidateOrder, InstanceHealth } from './instance-health.js';

const inst = (id: string) => ({ id });

describe('InstanceHealth', () => {
  it('parks a failed instance with a doubling backoff and clears it on success', () => {
    const h = new InstanceHealth({ baseMs: 1000, maxMs: 3000 });
    h.noteFailure('a', 0);
    expect(h.isParked('a', 999)).toBe(true);
    expect(h.isParked('a', 1000)).toBe(false);
    h.noteFailure('a', 1000);
    expect(h.isParked('a', 2999)).toBe(true);
    h.noteFailure('a', 3000);
    expect(h.isParked('a', 5999)).toBe(true); // capped at 3000
    expect(h.isParked('a', 6000)).toBe(false);
    h.noteSuccess('a');
    expect(h.isParked('a', 0)).toBe(false);
  });

  it('forgets instances that left the registry', () => {
    const h = new InstanceHealth();
    h.noteFailure('gone', 0);
    h.retain(new Set(['other']));
    expect(h.isParked('gone', 1)).toBe(false);
  });
});

describe('candidateOrder', () => {
  it('rotates through the instances by cursor', () => {
    const all = [inst('c'), inst('a'), inst('b')];
    expect(candidateOrder(all, 0, () => false).map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(candidateOrder(all, 1, () => false).map((i) => i.id)).toEqual(['b', 'c', 'a']);
    expect(candidateOrder(all, 5, () => false).map((i) => i.id)).toEqual(['c', 'a', 'b']);
  });

  it('puts parked instances last instead of dropping them', () => {
    const all = [inst('a'), inst('b'), inst('c')];
    expect(candidateOrder(all, 0, (id) => id === 'a').map((i) => i.id)).toEqual(['b', 'c', 'a']);
  });

  it('returns nothing for no instances', () => {
    expect(candidateOrder([], 3, () => false)).toEqual([]);
  });
});
