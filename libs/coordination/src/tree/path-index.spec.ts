import { describe, expect, it } from 'vitest';
import { pathHash } from './path-bytes.js';
import { PathIndex, type PathKeys } from './path-index.js';

/** Tiny seeded PRNG (mulberry32) so a failing sequence can be replayed from its printed seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The simplest key column: a string per id. */
function stringKeys(paths: readonly (string | undefined)[]): PathKeys {
  return { keyHash: pathHash, matchesKey: (id, path) => paths[id] === path };
}

describe('PathIndex', () => {
  it('agrees with a Map through random adds and removes (backward-shift deletion keeps every probe run intact)', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`PathIndex random ops seed=${seed} (rerun with SEED=${seed})`);
    const next = rng(seed);
    const paths: (string | undefined)[] = [];
    const index = new PathIndex(stringKeys(paths), 4096);
    const model = new Map<string, number>();
    const free: number[] = [];
    for (let step = 0; step < 20_000; step++) {
      // A small key space makes collisions, removals inside probe runs and re-adds frequent.
      const path = `/p/${Math.floor(next() * 3000)}`;
      const id = model.get(path);
      if (id === undefined) {
        const nid = free.pop() ?? paths.length;
        if (nid === paths.length) paths.push(undefined);
        if (nid >= 4096) throw new Error('test sized for 4096 ids');
        paths[nid] = path;
        index.add(nid, pathHash(path));
        model.set(path, nid);
      } else if (next() < 0.6) {
        index.remove(id);
        paths[id] = undefined;
        model.delete(path);
        free.push(id);
      }
      if (step % 997 === 0) {
        for (let k = 0; k < 3000; k++)
          expect(index.get(`/p/${k}`), `seed=${seed} step=${step}`).toBe(model.get(`/p/${k}`));
      }
    }
    expect(index.size).toBe(model.size);
    for (const [p, id] of model) expect(index.get(p)).toBe(id);
  });

  it('grows past its initial table and still finds everything', () => {
    const n = 50_000;
    const paths: (string | undefined)[] = [];
    const index = new PathIndex(stringKeys(paths), 16);
    for (let id = 0; id < n; id++) {
      if (id % 16 === 0 && id > 0) index.growIds(id + 16);
      paths[id] = `/d${id % 100}/n${id}`;
      index.add(id, pathHash(paths[id]!));
    }
    for (let id = 0; id < n; id += 7) expect(index.get(`/d${id % 100}/n${id}`)).toBe(id);
    expect(index.get('/d1/n0')).toBeUndefined();
  });
});
