import { describe, expect, it } from 'vitest';
import { DataTree } from './data-tree.js';
import { PathBytes, bytesHash, pathHash } from './path-bytes.js';
import { PathIndex } from './path-index.js';

const PATHS = [
  '/a',
  '/a/b',
  '/short/n1',
  '/a/exactly-12ch', // a name at the short-decode limit
  '/a/thirteen-chars', // just past it
  '/é',
  '/é/日本',
  '/mixed/aé',
  '/emoji/😀x',
  `/long/${'x'.repeat(2000)}`, // over a slab's small-value limit: its own buffer
  `/long/${'ü'.repeat(700)}`,
];

describe('PathBytes', () => {
  it('gives back every path and its last segment exactly (ASCII, multi-byte, astral, long)', () => {
    const p = new PathBytes(PATHS.length);
    PATHS.forEach((path, id) => p.set(id, path));
    PATHS.forEach((path, id) => {
      expect(p.pathOf(id)).toBe(path);
      expect(p.nameOf(id)).toBe(path.slice(path.lastIndexOf('/') + 1));
      expect(p.byteLength(id)).toBe(Buffer.byteLength(path));
    });
  });

  it('hashes a string as its UTF-8 bytes, and matches a key only against the id that holds it', () => {
    const p = new PathBytes(PATHS.length);
    const hashes = PATHS.map((path, id) => p.set(id, path));
    PATHS.forEach((path, id) => {
      const bytes = Buffer.from(path, 'utf8');
      expect(hashes[id]).toBe(bytesHash(bytes, 0, bytes.length));
      expect(pathHash(path)).toBe(hashes[id]);
      expect(p.keyHash(path)).toBe(hashes[id]);
      PATHS.forEach((_, other) => expect(p.matchesKey(other, path)).toBe(other === id));
    });
    // Same length, same leading bytes, one byte apart (ASCII and non-ASCII keys).
    p.keyHash('/a/c');
    expect(p.matchesKey(1, '/a/c')).toBe(false);
    p.keyHash('/é/日日');
    expect(p.matchesKey(6, '/é/日日')).toBe(false);
  });

  it('an index over it finds every stored path, and nothing once released', () => {
    const p = new PathBytes(PATHS.length);
    const index = new PathIndex(p, PATHS.length);
    PATHS.forEach((path, id) => index.add(id, p.set(id, path)));
    PATHS.forEach((path, id) => expect(index.get(path)).toBe(id));
    index.remove(6);
    p.release(6);
    expect(p.has(6)).toBe(false);
    expect(index.get('/é/日本')).toBeUndefined();
    expect(index.get('/é')).toBe(5);
  });

  it('through the tree: non-ASCII names come back from getChildren and lookups find them', () => {
    const t = new DataTree();
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    let zxid = 1;
    const create = (path: string, parentCVersion: number) =>
      t.apply({
        header: { sessionId: 1n, cxid: 1, zxid: ++zxid, time: 1 },
        body: { type: 'create', path, data: Buffer.from(path), acl, ephemeralOwner: 0n, parentCVersion },
      });
    create('/é', 2);
    ['日本', 'a', 'ü-long-name-past-twelve', '😀'].forEach((n, i) => create(`/é/${n}`, i + 1));
    expect(t.getChildren('/é')).toEqual(['日本', 'a', 'ü-long-name-past-twelve', '😀']);
    expect(t.getData('/é/😀')?.data?.toString()).toBe('/é/😀');
    expect([...t.paths('/é')]).toEqual(['/é', '/é/日本', '/é/a', '/é/ü-long-name-past-twelve', '/é/😀']);
  });
});
