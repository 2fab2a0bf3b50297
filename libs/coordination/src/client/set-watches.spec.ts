import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../protocol/request-codec.js';
import { encodeRequest } from '../protocol/request-codec.js';
import { SET_WATCHES_MAX_BYTES, setWatchesRequests } from './set-watches.js';
import type { WatchSnapshot } from './watch-registry.js';

const none: WatchSnapshot = { data: [], exist: [], child: [], persistent: [], recursive: [] };
const identity = (p: string) => p;

describe('setWatchesRequests', () => {
  it('sends nothing when no watch is held', () => {
    expect(setWatchesRequests(none, 7, identity)).toEqual([]);
  });

  it('uses SetWatches for one-shot watches only, carrying the relative zxid', () => {
    const [req, ...more] = setWatchesRequests(
      { ...none, data: ['/a'], exist: ['/b'], child: ['/c'] },
      42,
      identity,
    );
    expect(more).toEqual([]);
    expect(req).toEqual({
      op: 'setWatches',
      relativeZxid: 42,
      dataWatches: ['/a'],
      existWatches: ['/b'],
      childWatches: ['/c'],
      persistentWatches: [],
      persistentRecursiveWatches: [],
    });
  });

  it('switches every frame to SetWatches2 once a persistent watch exists', () => {
    const reqs = setWatchesRequests({ ...none, data: ['/a'], recursive: ['/r'] }, 1, identity);
    expect(reqs.map((r) => r.op)).toEqual(['setWatches2']);
    expect(reqs[0]!.persistentRecursiveWatches).toEqual(['/r']);
  });

  it('maps client paths to server paths', () => {
    const [req] = setWatchesRequests({ ...none, child: ['/', '/x'] }, 0, (p) =>
      p === '/' ? '/app' : '/app' + p,
    );
    expect(req!.childWatches).toEqual(['/app', '/app/x']);
  });

  it('splits so each frame stays within the byte budget, keeping kinds and order', () => {
    // 100 paths of 1,000 bytes (1,004 with the length prefix) over a 10,000-byte budget: 9 per frame.
    const paths = Array.from({ length: 100 }, (_, i) => '/' + String(i).padStart(999, '0'));
    const watches = { ...none, data: paths.slice(0, 50), child: paths.slice(50) };
    const reqs = setWatchesRequests(watches, 5, identity, 10_000);

    expect(reqs).toHaveLength(Math.ceil(100 / 9));
    for (const r of reqs) {
      const bytes = [...r.dataWatches, ...r.childWatches].reduce((n, p) => n + 4 + p.length, 0);
      expect(bytes).toBeLessThanOrEqual(10_000);
    }
    expect(reqs.flatMap((r) => r.dataWatches)).toEqual(paths.slice(0, 50));
    expect(reqs.flatMap((r) => r.childWatches)).toEqual(paths.slice(50));
  });

  it('sends a single path longer than the budget alone rather than dropping it', () => {
    const long = '/' + 'x'.repeat(200);
    const reqs = setWatchesRequests({ ...none, data: ['/a', long, '/b'] }, 0, identity, 100);
    expect(reqs.map((r) => r.dataWatches)).toEqual([['/a'], [long], ['/b']]);
  });

  it('produces frames a server decodes back to the same lists', () => {
    const watches = { ...none, data: ['/d'], exist: ['/e'], persistent: ['/p'] };
    const [req] = setWatchesRequests(watches, 9, identity);
    const frame = encodeRequest(-8, req!);
    expect(decodeRequest(frame.subarray(4)).request).toEqual(req);
  });

  it('defaults to the 128 KiB budget of ZooKeeper', () => {
    expect(SET_WATCHES_MAX_BYTES).toBe(128 * 1024);
  });
});
