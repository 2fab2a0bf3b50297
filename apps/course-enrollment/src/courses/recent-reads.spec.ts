import { describe, expect, it } from 'vitest';
import { RecentReads } from './recent-reads.js';

function reader() {
  const calls: string[] = [];
  const waiting: Array<(v: string | null) => void> = [];
  const read = (k: string) => {
    calls.push(k);
    return new Promise<string | null>((resolve) => waiting.push(resolve));
  };
  return { calls, waiting, read };
}

describe('RecentReads', () => {
  it('concurrent gets of one key share one read', async () => {
    const r = reader();
    let t = 0;
    const cache = new RecentReads(500, r.read, () => t);
    const gets = Array.from({ length: 100 }, () => cache.get('c1'));
    expect(r.calls).toEqual(['c1']);
    r.waiting[0]!('course');
    expect(await Promise.all(gets)).toEqual(Array(100).fill('course'));
  });

  it('serves from the cache within the ttl, reads again after it', async () => {
    const r = reader();
    let t = 0;
    const cache = new RecentReads(500, r.read, () => t);
    const first = cache.get('c1');
    r.waiting[0]!('v1');
    await first;
    t = 499;
    expect(await cache.get('c1')).toBe('v1');
    expect(r.calls).toHaveLength(1);
    t = 500;
    const again = cache.get('c1');
    r.waiting[1]!('v2');
    expect(await again).toBe('v2');
    expect(r.calls).toHaveLength(2);
  });

  it('invalidate forces the next get to read, and a read in flight then fills nothing', async () => {
    const r = reader();
    let t = 0;
    const cache = new RecentReads(500, r.read, () => t);
    const stale = cache.get('c1');
    cache.invalidate('c1'); // a local write happened while the read was in flight
    const fresh = cache.get('c1');
    expect(r.calls).toHaveLength(2);
    r.waiting[0]!('old');
    r.waiting[1]!('new');
    expect(await stale).toBe('old');
    expect(await fresh).toBe('new');
    expect(await cache.get('c1')).toBe('new');
    expect(r.calls).toHaveLength(2);
  });

  it('never keeps an absent value, and a failed read is not cached', async () => {
    const calls: string[] = [];
    let answer: () => Promise<string | null> = async () => null;
    const cache = new RecentReads(
      500,
      (k: string) => (calls.push(k), answer()),
      () => 0,
    );
    expect(await cache.get('c1')).toBeNull();
    answer = async () => {
      throw new Error('db down');
    };
    await expect(cache.get('c1')).rejects.toThrow('db down');
    answer = async () => 'there';
    expect(await cache.get('c1')).toBe('there');
    expect(calls).toHaveLength(3);
  });
});
