import { describe, expect, it } from 'vitest';
import { NOTHING_OBSERVED, isNewer, observe, type Observed } from './config-cache-order.js';

describe('config cache ordering', () => {
  const live = (czxid: number, version: number): Observed => ({ czxid, version, present: true });

  it('accepts the first read of a node, and a missing node only when something was present', () => {
    expect(isNewer(NOTHING_OBSERVED, { czxid: 7, version: 0 })).toBe(true);
    expect(isNewer(NOTHING_OBSERVED, null)).toBe(false);
    expect(isNewer(live(7, 0), null)).toBe(true);
  });

  it('orders data changes of one incarnation by version, never backwards', () => {
    expect(isNewer(live(7, 3), { czxid: 7, version: 4 })).toBe(true);
    expect(isNewer(live(7, 3), { czxid: 7, version: 3 })).toBe(false);
    expect(isNewer(live(7, 3), { czxid: 7, version: 2 })).toBe(false);
  });

  it('a later incarnation wins whatever its version; an earlier one never does', () => {
    expect(isNewer(live(7, 40), { czxid: 9, version: 0 })).toBe(true);
    expect(isNewer(live(9, 0), { czxid: 7, version: 40 })).toBe(false);
  });

  it('after a deletion the deleted incarnation is stale, a re-created one is new', () => {
    const deleted = observe(live(7, 3), null);
    expect(deleted).toEqual({ czxid: 7, version: 3, present: false });
    expect(isNewer(deleted, { czxid: 7, version: 5 })).toBe(false);
    expect(isNewer(deleted, null)).toBe(false);
    expect(isNewer(deleted, { czxid: 8, version: 0 })).toBe(true);
  });

  it('a random interleaving of reads never makes the accepted position go backwards (seeded)', () => {
    const seed = 0x5eed;
    let s = seed;
    const rnd = () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
    console.log(`config-cache-order property seed ${seed}`);
    // The true history: incarnation c has versions 0..k; reads arrive shuffled.
    const history: Array<{ czxid: number; version: number }> = [];
    for (let c = 1; c <= 5; c++) for (let v = 0; v < 10; v++) history.push({ czxid: c * 10, version: v });
    let pos = NOTHING_OBSERVED;
    for (let i = 0; i < 2000; i++) {
      const r = history[Math.floor(rnd() * history.length)]!;
      if (isNewer(pos, r)) {
        const next = observe(pos, r);
        expect(next.czxid > pos.czxid || (next.czxid === pos.czxid && next.version > pos.version)).toBe(true);
        pos = next;
      }
    }
    expect(pos).toEqual({ czxid: 50, version: 9, present: true });
  });
});
