import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.js';
import { SeededRng } from './seeded-rng.js';

describe('EventQueue', () => {
  it('pops by time, and equal times in insertion order', () => {
    const q = new EventQueue<string>();
    q.push(5, 'c');
    q.push(1, 'a');
    q.push(5, 'd');
    q.push(3, 'b');
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.value);
    expect(out).toEqual(['a', 'b', 'c', 'd']);
  });

  it('stays sorted under random pushes (seeded)', () => {
    const seed = 99;
    const rng = new SeededRng(seed);
    const q = new EventQueue<number>();
    for (let i = 0; i < 1000; i++) {
      const t = rng.int(100);
      q.push(t, t);
    }
    let prev = -1;
    for (let e = q.pop(); e; e = q.pop()) {
      expect(e.time, `seed ${seed}`).toBeGreaterThanOrEqual(prev);
      prev = e.time;
    }
  });
});

describe('SeededRng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new SeededRng(1);
    const b = new SeededRng(1);
    const c = new SeededRng(2);
    const xs = [a.nextUint32(), a.nextUint32()];
    expect([b.nextUint32(), b.nextUint32()]).toEqual(xs);
    expect(c.nextUint32()).not.toBe(xs[0]);
  });
});
