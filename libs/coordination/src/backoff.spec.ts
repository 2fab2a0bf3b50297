import { describe, expect, it } from 'vitest';

import { backoffDelay } from './backoff.js';

const policy = { baseMs: 50, maxMs: 2000 };

describe('backoffDelay', () => {
  it('doubles its cap from the base up to the max, the delay within [cap/2, cap]', () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((r) => backoffDelay(r, policy, hi))).toEqual([
      50, 100, 200, 400, 800, 1600, 2000, 2000,
    ]);
    expect([0, 1, 2, 3, 6, 40, 10_000].map((r) => backoffDelay(r, policy, lo))).toEqual([
      25, 50, 100, 200, 1000, 1000, 1000,
    ]);
    expect(backoffDelay(-1, policy, hi)).toBe(50);
  });

  it('spreads delays for the same retry (jitter), deterministic for a given rng', () => {
    let seed = 12345;
    const rng = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const delays = Array.from({ length: 50 }, () => backoffDelay(5, policy, rng));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1600);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });
});
