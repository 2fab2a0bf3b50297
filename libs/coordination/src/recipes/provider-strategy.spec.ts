import { describe, expect, it } from 'vitest';
import { RandomStrategy, RoundRobinStrategy, StickyStrategy } from './provider-strategy.js';
import { serviceInstance, type ServiceInstance } from './service-instance.js';

const inst = (id: string, enabled = true): ServiceInstance =>
  serviceInstance({ name: 's', id, address: '127.0.0.1', port: 1000, enabled, registrationTimeUTC: 0 });

describe('RoundRobinStrategy', () => {
  it('cycles in id order whatever order the list comes in', () => {
    const rr = new RoundRobinStrategy();
    const list = [inst('c'), inst('a'), inst('b')];
    expect(Array.from({ length: 6 }, () => rr.pick(list)!.id)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('continues after the last pick when instances join or leave', () => {
    const rr = new RoundRobinStrategy();
    expect(rr.pick([inst('a'), inst('c')])!.id).toBe('a');
    // b joined: it is next after a
    expect(rr.pick([inst('a'), inst('b'), inst('c')])!.id).toBe('b');
    // b left: c follows, then wrap to a
    expect(rr.pick([inst('a'), inst('c')])!.id).toBe('c');
    expect(rr.pick([inst('a'), inst('c')])!.id).toBe('a');
  });

  it('skips disabled instances and returns undefined when none is usable', () => {
    const rr = new RoundRobinStrategy();
    const list = [inst('a', false), inst('b')];
    expect([rr.pick(list)!.id, rr.pick(list)!.id]).toEqual(['b', 'b']);
    expect(rr.pick([inst('x', false)])).toBeUndefined();
    expect(rr.pick([])).toBeUndefined();
  });
});

describe('RandomStrategy', () => {
  it('maps the rng onto the id-sorted usable list', () => {
    const values = [0, 0.34, 0.67, 0.9999];
    const r = new RandomStrategy(() => values.shift()!);
    const list = [inst('c'), inst('a'), inst('b'), inst('z', false)];
    expect([r.pick(list)!.id, r.pick(list)!.id, r.pick(list)!.id, r.pick(list)!.id]).toEqual([
      'a',
      'b',
      'c',
      'c',
    ]);
  });

  it('is roughly uniform (seeded)', () => {
    const seed = 42;
    let s = seed;
    const rng = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
    console.log(`RandomStrategy uniformity seed ${seed}`);
    const r = new RandomStrategy(rng);
    const list = [inst('a'), inst('b'), inst('c')];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 3000; i++) counts[r.pick(list)!.id]!++;
    for (const k of ['a', 'b', 'c']) expect(counts[k]).toBeGreaterThan(850);
  });
});

describe('StickyStrategy', () => {
  it('sticks to one instance while it is listed, then moves on', () => {
    const s = new StickyStrategy();
    expect(s.pick([inst('a'), inst('b')])!.id).toBe('a');
    expect(s.pick([inst('a'), inst('b')])!.id).toBe('a');
    expect(s.pick([inst('b')])!.id).toBe('b');
    expect(s.pick([inst('a'), inst('b')])!.id).toBe('b');
  });
});
