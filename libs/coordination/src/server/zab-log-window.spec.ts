import { describe, expect, it } from 'vitest';
import { LogWindow } from './zab-log-window.js';

const e = (zxid: number, size = 1) => ({ zxid, data: Buffer.alloc(size, zxid & 0xff) });
const snap = { zxid: 0, records: [] };

describe('LogWindow (the ZabLog over recent durable entries)', () => {
  it('answers floor/entries over what it holds and says "not held" below its base', () => {
    const w = new LogWindow(
      10,
      () => snap,
      () => Infinity,
    );
    expect(w.lastZxid()).toBe(10);
    expect(w.floor(10)).toBe(10);
    expect(w.floor(9)).toBeUndefined();
    for (const z of [11, 12, 15, 20]) w.add(e(z));
    expect(w.lastZxid()).toBe(20);
    expect(w.floor(14)).toBe(12);
    expect(w.floor(100)).toBe(20);
    expect(w.entries(10, 20)!.map((x) => x.zxid)).toEqual([11, 12, 15, 20]);
    expect(w.entries(12, 15)!.map((x) => x.zxid)).toEqual([15]);
    expect(w.entries(13, 19)!.map((x) => x.zxid)).toEqual([15]);
    expect(w.entries(9, 20)).toBeUndefined();
    expect(w.entries(20, 20)).toEqual([]);
    expect(() => w.add(e(20))).toThrow(RangeError);
  });

  it('drops the oldest entries beyond its bounds and moves the base up to the last dropped', () => {
    const w = new LogWindow(
      0,
      () => snap,
      () => Infinity,
      { maxEntries: 3, maxBytes: 1000 },
    );
    for (let z = 1; z <= 5; z++) w.add(e(z));
    expect(w.baseZxid()).toBe(2);
    expect(w.entries(1, 5)).toBeUndefined();
    expect(w.entries(2, 5)!.map((x) => x.zxid)).toEqual([3, 4, 5]);
    const b = new LogWindow(
      0,
      () => snap,
      () => Infinity,
      { maxEntries: 100, maxBytes: 25 },
    );
    for (let z = 1; z <= 5; z++) b.add(e(z, 10));
    expect(b.size).toBe(2);
    expect(b.baseZxid()).toBe(3);
  });

  it('never drops an entry the member has not applied (a snapshot must reach the base)', () => {
    let applied = 2;
    const w = new LogWindow(
      0,
      () => snap,
      () => applied,
      { maxEntries: 2, maxBytes: 1000 },
    );
    for (let z = 1; z <= 6; z++) w.add(e(z));
    expect(w.baseZxid()).toBe(2);
    applied = 6;
    w.add(e(7));
    expect(w.baseZxid()).toBe(5);
  });

  it('truncates and resets', () => {
    const w = new LogWindow(
      0,
      () => snap,
      () => Infinity,
    );
    for (let z = 1; z <= 5; z++) w.add(e(z));
    w.truncateAfter(3);
    expect(w.lastZxid()).toBe(3);
    w.add(e(4));
    expect(w.entries(0, 10)!.map((x) => x.zxid)).toEqual([1, 2, 3, 4]);
    w.reset(50);
    expect(w.baseZxid()).toBe(50);
    expect(w.lastZxid()).toBe(50);
    expect(w.floor(49)).toBeUndefined();
  });
});
