/**
 * The running digest (digest.ts) against the original definition, recomputed from scratch through
 * the tree's public reads: random request sequences (creates of every kind, deletes, setData with
 * null/empty/small/large values, setACL, multi, closeSession; ASCII and non-ASCII paths) with the
 * digest read at random points, a snapshot round trip, and replay on the restored tree. fast-check
 * prints the seed and the shrunk sequence on failure; the run's seed is logged up front.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ACL, Request } from '../protocol/records.js';
import { aclKey } from './acl.js';
import { DataTree } from './data-tree.js';
import { Harness } from './test-harness.js';

/** The digest exactly as the tree computed it before it was kept incrementally: a loop over all nodes. */
function referenceDigest(tree: DataTree): string {
  const lanes = new Uint32Array(8);
  let count = 0;
  for (const path of tree.paths('/')) {
    const { data, stat } = tree.getData(path)!;
    const r = tree.internalRecord(path)!;
    const h = createHash('sha256');
    h.update(path)
      .update('\u0000')
      .update(data === null ? '\u0001null' : data)
      .update(aclKey(r.acl));
    h.update(
      `${r.ephemeralOwner},${stat.czxid},${stat.mzxid},${stat.ctime},${stat.mtime},${r.version},${r.cversion},${r.aversion},${r.pzxid},${r.numChildren}`,
    );
    const d = h.digest();
    for (let i = 0; i < 8; i++) lanes[i] = (lanes[i]! + d.readUInt32BE(i * 4)) >>> 0;
    count++;
  }
  return [...lanes].map((x) => x.toString(16).padStart(8, '0')).join('') + `:${count}`;
}

const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const READ_ONLY: ACL[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];
const PATHS = ['/a', '/b', '/a/x', '/a/y', '/a/x/z', '/b/w', '/é', '/é/日本', '/a/ü'];
const SESSIONS = [0x100n, 0x200n, -0x7f00_0000_0000_0001n];

type Op =
  | { k: 'create'; p: number; flags: number; s: number; data: number }
  | { k: 'delete'; p: number }
  | { k: 'set'; p: number; data: number }
  | { k: 'acl'; p: number; ro: boolean }
  | { k: 'multi'; a: number; b: number }
  | { k: 'close'; s: number }
  | { k: 'read' };

/** Values of every storage kind: null, empty, slab-sized, own-buffer-sized. */
function value(i: number): Buffer | null {
  return [null, Buffer.alloc(0), Buffer.from('v'), Buffer.alloc(100, 0x61), Buffer.alloc(5000, i)][i % 5]!;
}

function toRequest(op: Exclude<Op, { k: 'read' | 'close' }>): Request {
  switch (op.k) {
    case 'create':
      return { op: 'create', path: PATHS[op.p]!, data: value(op.data), acl: OPEN, flags: op.flags };
    case 'delete':
      return { op: 'delete', path: PATHS[op.p]!, version: -1 };
    case 'set':
      return { op: 'setData', path: PATHS[op.p]!, data: value(op.data), version: -1 };
    case 'acl':
      return { op: 'setACL', path: PATHS[op.p]!, acl: op.ro ? READ_ONLY : OPEN, version: -1 };
    case 'multi':
      return {
        op: 'multi',
        ops: [
          { op: 'create', path: PATHS[op.a]!, data: value(3), acl: OPEN, flags: 0 },
          { op: 'setData', path: PATHS[op.b]!, data: value(2), version: -1 },
        ],
      } as Request;
  }
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('create' as const),
    p: fc.nat(PATHS.length - 1),
    // persistent, ephemeral, sequential, ephemeral sequential, container
    flags: fc.constantFrom(0, 1, 2, 3, 4),
    s: fc.nat(SESSIONS.length - 1),
    data: fc.nat(4),
  }),
  fc.record({ k: fc.constant('delete' as const), p: fc.nat(PATHS.length - 1) }),
  fc.record({ k: fc.constant('set' as const), p: fc.nat(PATHS.length - 1), data: fc.nat(4) }),
  fc.record({ k: fc.constant('acl' as const), p: fc.nat(PATHS.length - 1), ro: fc.boolean() }),
  fc.record({ k: fc.constant('multi' as const), a: fc.nat(PATHS.length - 1), b: fc.nat(PATHS.length - 1) }),
  fc.record({ k: fc.constant('close' as const), s: fc.nat(SESSIONS.length - 1) }),
  fc.record({ k: fc.constant('read' as const) }),
);

function run(h: Harness, o: Op): void {
  if (o.k === 'read') {
    expect(h.tree.digest()).toBe(referenceDigest(h.tree));
    return;
  }
  const sessionId = o.k === 'create' ? SESSIONS[o.s]! : o.k === 'close' ? SESSIONS[o.s]! : 0x100n;
  // Failed requests (no parent, exists, not empty...) become error txns: they must change nothing.
  h.run(o.k === 'close' ? { op: 'closeSession' } : toRequest(o), { sessionId, isSuper: true });
}

describe('TreeDigest', () => {
  it('a fresh tree has the digest of its four special nodes', () => {
    const t = new DataTree();
    expect(t.digest()).toBe(referenceDigest(t));
    expect(t.digest()).toMatch(/^[0-9a-f]{64}:4$/);
  });

  it('equals the from-scratch digest after any sequence of txns, read at any points, and after a snapshot round trip and replay', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`TreeDigest random sequences seed=${seed} (rerun with SEED=${seed})`);
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.nat(120), (ops, cut) => {
        const h = new Harness();
        const at = Math.min(cut, ops.length);
        for (const o of ops.slice(0, at)) run(h, o);
        expect(h.tree.digest()).toBe(referenceDigest(h.tree));

        // A restored tree starts without a running sum, computes it on first read, then keeps it.
        const restored = DataTree.fromNodes([...h.tree.serializeNodes()], h.tree.lastProcessedZxid);
        const logged = h.log.length;
        for (const o of ops.slice(at)) run(h, o);
        for (const txn of h.log.slice(logged)) restored.apply(txn);
        expect(restored.digest()).toBe(referenceDigest(h.tree));
        expect(h.tree.digest()).toBe(referenceDigest(h.tree));
      }),
      { seed, numRuns: 200 },
    );
  });

  it('built in slices (digestWithin) while txns apply between them, equals the from-scratch digest', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`TreeDigest sliced build seed=${seed} (rerun with SEED=${seed})`);
    const slice = fc.record({ k: fc.constant('slice' as const), n: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(fc.array(fc.oneof(op, slice, slice), { maxLength: 150 }), (ops) => {
        const h = new Harness();
        let answered = 0;
        for (const o of ops) {
          if (o.k !== 'slice') {
            run(h, o);
            continue;
          }
          const d = h.tree.digestWithin(o.n);
          if (d === undefined) continue;
          answered++;
          expect(d).toBe(referenceDigest(h.tree));
        }
        // Budgets run out on a tree of more than three nodes: the first slice cannot answer.
        if (ops.find((o) => o.k === 'slice' || o.k === 'read')?.k === 'slice') {
          expect(answered).toBeLessThan(ops.filter((o) => o.k === 'slice').length);
        }
        expect(h.tree.digest()).toBe(referenceDigest(h.tree));
      }),
      { seed, numRuns: 200 },
    );
  });

  it('a sliced build over thousands of nodes answers only once whole, and exactly, with writes between slices', () => {
    const h = new Harness();
    h.create('/bulk');
    for (let i = 0; i < 3000; i++) h.create(`/bulk/n${i}`, 0, {}, Buffer.alloc(100, i));
    let slices = 0;
    let d: string | undefined;
    for (let i = 0; d === undefined; i++) {
      d = h.tree.digestWithin(100);
      slices++;
      // Between slices: rewrite nodes on both sides of the cursor, delete some, reuse their ids.
      h.setData(`/bulk/n${(i * 37) % 3000}`, Buffer.from(`v${i}`));
      h.setData(`/bulk/n${2999 - ((i * 53) % 3000)}`, Buffer.from(`w${i}`));
      if (i % 4 === 0) h.delete(`/bulk/n${(i * 7) % 3000}`);
      if (i % 4 === 2) h.create(`/bulk/m${i}`, 0, {}, Buffer.alloc(10, i));
    }
    // 3,005 nodes at 100 per slice: 31 slices, the last of which answers.
    expect(slices).toBeGreaterThanOrEqual(31);
    expect(h.tree.digestWithin(100)).toBe(referenceDigest(h.tree));
    expect(h.tree.digest()).toBe(referenceDigest(h.tree));
  });

  it('stays exact across settle batches: thousands of creates, rewrites and deletes between two reads', () => {
    const h = new Harness();
    h.create('/bulk');
    for (let i = 0; i < 3000; i++) h.create(`/bulk/n${i}`, 0, {}, Buffer.alloc(100, i));
    expect(h.tree.digest()).toBe(referenceDigest(h.tree));
    for (let i = 0; i < 3000; i += 3) h.setData(`/bulk/n${i}`, Buffer.from(`v${i}`));
    for (let i = 1; i < 3000; i += 3) h.delete(`/bulk/n${i}`);
    // Deleted ids are reused by these creates within the same batch.
    for (let i = 0; i < 500; i++) h.create(`/bulk/m${i}`, 0, {}, Buffer.alloc(10, i));
    expect(h.tree.digest()).toBe(referenceDigest(h.tree));
  });
});
