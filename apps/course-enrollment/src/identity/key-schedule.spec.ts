import { describe, expect, it } from 'vitest';
import { planKeys, retirementOf, signingKeyOf } from './key-schedule.js';

const H = 3_600_000;
const key = (kid: string, createdAtMs: number, retiresAtMs: number) => ({ kid, createdAtMs, retiresAtMs });

describe('key schedule', () => {
  it('mints the first key when none exists', () => {
    expect(planKeys([], 0, 24 * H)).toEqual({ mint: true, retire: [] });
  });

  it('keeps signing with a key younger than the rotation period', () => {
    expect(planKeys([key('a', 0, 100 * H)], 23 * H, 24 * H)).toEqual({ mint: false, retire: [] });
  });

  it('mints a successor once the newest key reaches the rotation age, keeping the old one published', () => {
    expect(planKeys([key('a', 0, 100 * H)], 24 * H, 24 * H)).toEqual({ mint: true, retire: [] });
  });

  it('retires keys whose retirement time has passed, and mints when only retired keys remain', () => {
    const plan = planKeys([key('old', 0, 10 * H), key('older', 0, 5 * H)], 10 * H, 24 * H);
    expect(plan.retire.sort()).toEqual(['old', 'older']);
    expect(plan.mint).toBe(true);
  });

  it('a key outlives every token it can have signed', () => {
    const created = 1_000;
    const rotation = 24 * H;
    const refresh = H / 6;
    const ttl = H;
    // Last signature: just before an instance that refreshes late sees the successor.
    const lastSignature = created + rotation + refresh;
    expect(retirementOf(created, rotation, refresh, ttl)).toBeGreaterThanOrEqual(lastSignature + ttl);
  });

  it('signs with the newest live key, never a retired or future one', () => {
    const keys = [
      key('a', 0, 50 * H),
      key('b', 24 * H, 80 * H),
      key('future', 40 * H, 90 * H),
      key('dead', 25 * H, 29 * H),
    ];
    expect(signingKeyOf(keys, 30 * H)?.kid).toBe('b');
    expect(signingKeyOf(keys, 39 * H)?.kid).toBe('b');
    expect(signingKeyOf(keys, 41 * H)?.kid).toBe('future');
    expect(signingKeyOf([key('dead', 0, 1)], 2)).toBeUndefined();
  });
});
