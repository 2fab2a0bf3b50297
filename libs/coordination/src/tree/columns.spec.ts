import { describe, expect, it } from 'vitest';
import { RESERVE_FROM, growColumn } from './columns.js';

describe('growColumn', () => {
  it('keeps the entries, zero-fills or fills the new ones, and moves to a resizable buffer once large', () => {
    let a = new Int32Array(4).fill(7);
    a = growColumn(a, 8, -1);
    expect([...a]).toEqual([7, 7, 7, 7, -1, -1, -1, -1]);
    expect((a.buffer as { resizable?: boolean }).resizable).toBe(false);
    a = growColumn(a, RESERVE_FROM * 2, -1);
    expect(a.length).toBe(RESERVE_FROM * 2);
    expect((a.buffer as { resizable?: boolean }).resizable).toBe(true);
    expect(a[3]).toBe(7);
    expect(a[RESERVE_FROM * 2 - 1]).toBe(-1);
    // From now on it grows in place: the same object comes back.
    const same = growColumn(a, RESERVE_FROM * 4, -1);
    expect(same).toBe(a);
    expect(a.length).toBe(RESERVE_FROM * 4);
    expect(a[RESERVE_FROM * 4 - 1]).toBe(-1);
    expect(a[3]).toBe(7);
  });

  it('grows Float64 and BigInt64 columns with zeros', () => {
    let f = new Float64Array([1.5, 2 ** 40]);
    f = growColumn(f, RESERVE_FROM + 1);
    expect(f[1]).toBe(2 ** 40);
    expect(f[RESERVE_FROM]).toBe(0);
    let b = new BigInt64Array([-(2n ** 63n)]);
    b = growColumn(b, 3);
    expect([...b]).toEqual([-(2n ** 63n), 0n, 0n]);
  });
});
