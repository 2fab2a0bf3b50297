import { describe, expect, it } from 'vitest';

import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('doubles from min up to max, jittered within [cap/2, cap] and never below min', () => {
    const lo = () => 0;
    const hi = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, 50, 2000, hi))).toEqual([
      50, 100, 200, 400, 800, 1600, 2000, 2000,
    ]);
    expect([0, 1, 2, 3, 6, 40].map((a) => backoffDelay(a, 50, 2000, lo))).toEqual([
      50, 50, 100, 200, 1000, 1000,
    ]);
  });

  it('spreads delays for the same attempt (jitter), deterministic for a given rng', () => {
    let seed = 12345;
    const rng = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const delays = Array.from({ length: 50 }, () => backoffDelay(5, 50, 2000, rng));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1600);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });
});
