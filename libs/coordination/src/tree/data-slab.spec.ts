import { describe, expect, it } from 'vitest';
import { DataSlab } from './data-slab.js';

const value = (n: number, byte: number) => Buffer.alloc(n, byte);

describe('DataSlab', () => {
  it('keeps null, empty, small and large values apart and returns them byte for byte', () => {
    const s = new DataSlab(8);
    s.store(0, null);
    s.store(1, Buffer.alloc(0));
    s.store(2, value(100, 1));
    s.store(3, value(5000, 2));
    expect(s.view(0)).toBeNull();
    expect(s.length(0)).toBe(0);
    expect(s.view(1)).toEqual(Buffer.alloc(0));
    expect(s.view(2)).toEqual(value(100, 1));
    expect(s.view(3)).toEqual(value(5000, 2));
    expect(s.length(3)).toBe(5000);
  });

  it('copies the value in: changing the caller buffer afterwards changes nothing stored', () => {
    const s = new DataSlab(1);
    const b = value(10, 7);
    s.store(0, b);
    b.fill(9);
    expect(s.view(0)).toEqual(value(10, 7));
  });

  it('a view taken before the value is rewritten keeps the old bytes (slab bytes are never reused)', () => {
    const s = new DataSlab(1);
    s.store(0, value(100, 1));
    const before = s.view(0)!;
    for (let i = 0; i < 10_000; i++) s.store(0, value(100, (i % 200) + 2));
    expect(before).toEqual(value(100, 1));
    expect(s.view(0)).toEqual(value(100, (9_999 % 200) + 2));
  });

  it('drops slabs whose values were all rewritten: a hot setData loop holds a bounded number of slabs', () => {
    const s = new DataSlab(16);
    for (let i = 0; i < 200_000; i++) s.store(i % 16, value(100, i & 0xff));
    // 200,000 x 100 B went through (76 slabs' worth); only the last one or two are still held.
    expect(s.slabBytes).toBeLessThanOrEqual(2 * 256 * 1024);
    for (let id = 0; id < 16; id++) expect(s.view(id)!.length).toBe(100);
  });

  it('compacts sparse slabs when holes outweigh live bytes, moving live values intact', () => {
    const n = 100_000; // 10 MB of 100-byte values: 39 slabs
    const s = new DataSlab(n + 10);
    for (let id = 0; id < n; id++) s.store(id, value(100, id & 0xff));
    const full = s.slabBytes;
    // Free 9 of every 10 values: each slab keeps 10% live, none empties.
    for (let id = 0; id < n; id++) if (id % 10 !== 0) s.release(id);
    expect(s.slabBytes).toBe(full);
    // Writes into fresh slabs trigger the compaction once waste > live and > 16 slabs.
    for (let i = 0; i < 2_000; i++) s.store(n + (i % 10), value(100, 0xee));
    expect(s.slabBytes).toBeLessThan(full / 2);
    for (let id = 0; id < n; id += 10) expect(s.view(id)).toEqual(value(100, id & 0xff));
  });

  it('grows its columns and keeps what it held', () => {
    const s = new DataSlab(2);
    s.store(0, value(3, 1));
    s.store(1, null);
    s.grow(10);
    s.store(9, value(4, 2));
    expect(s.view(0)).toEqual(value(3, 1));
    expect(s.view(1)).toBeNull();
    expect(s.view(5)).toBeNull();
    expect(s.view(9)).toEqual(value(4, 2));
  });
});
