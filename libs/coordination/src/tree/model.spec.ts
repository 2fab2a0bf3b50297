/**
 * Model test: random request sequences through preparer + apply, compared with a tiny reference
 * model of existence, versions, child counts and sequential counters. Seed printed by fast-check
 * on failure and logged up front.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode as E } from '../protocol/constants.js';
import type { Request } from '../protocol/records.js';
import { parentPath } from './path.js';
import { Harness } from './test-harness.js';

interface MNode {
  version: number;
  created: number;
  kids: number;
  eph: boolean;
}
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const PATHS = ['/a', '/b', '/a/x', '/a/y', '/a/x/z', '/b/w'];

type Op =
  | { k: 'create'; p: string; flags: number }
  | { k: 'delete'; p: string; v: number }
  | { k: 'set'; p: string; v: number };

function modelApply(m: Map<string, MNode>, op: Op): { code: number; path?: string } {
  const parent = m.get(parentPath(op.p));
  if (op.k === 'create') {
    if (!parent) return { code: E.NONODE };
    const path = op.flags & 2 ? op.p + String(parent.created).padStart(10, '0') : op.p;
    if (m.has(path)) return { code: E.NODEEXISTS };
    if (parent.eph) return { code: E.NOCHILDRENFOREPHEMERALS };
    parent.created++;
    parent.kids++;
    m.set(path, { version: 0, created: 0, kids: 0, eph: (op.flags & 1) === 1 });
    return { code: 0, path };
  }
  if (op.k === 'delete') {
    if (!parent) return { code: E.NONODE };
    const n = m.get(op.p);
    if (!n) return { code: E.NONODE };
    if (op.v !== -1 && op.v !== n.version) return { code: E.BADVERSION };
    if (n.kids > 0) return { code: E.NOTEMPTY };
    m.delete(op.p);
    parent.kids--;
    return { code: 0 };
  }
  const n = m.get(op.p);
  if (!n) return { code: E.NONODE };
  if (op.v !== -1 && op.v !== n.version) return { code: E.BADVERSION };
  n.version++;
  return { code: 0 };
}

function toReq(op: Op): Request {
  if (op.k === 'create')
    return { op: 'create', path: op.p, data: Buffer.alloc(0), acl: OPEN, flags: op.flags };
  if (op.k === 'delete') return { op: 'delete', path: op.p, version: op.v };
  return { op: 'setData', path: op.p, data: Buffer.from('d'), version: op.v };
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('create' as const),
    p: fc.constantFrom(...PATHS),
    flags: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({
    k: fc.constant('delete' as const),
    p: fc.constantFrom(...PATHS),
    v: fc.integer({ min: -1, max: 2 }),
  }),
  fc.record({
    k: fc.constant('set' as const),
    p: fc.constantFrom(...PATHS),
    v: fc.integer({ min: -1, max: 2 }),
  }),
);

describe('preparer + tree vs reference model', () => {
  it('agrees on every result and every node', () => {
    const seed = Date.now() | 0;
    console.log(`model test seed=${seed}`);
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            opArb.map((o) => [o]),
            fc.array(opArb, { minLength: 1, maxLength: 3 }),
          ),
          { maxLength: 60 },
        ),
        (batches) => {
          const h = new Harness();
          const m = new Map<string, MNode>([
            ['/', { version: 0, created: 0, kids: 1, eph: false }],
            ['/zookeeper', { version: 0, created: 0, kids: 2, eph: false }],
          ]);
          for (const batch of batches) {
            if (batch.length === 1) {
              const want = modelApply(m, batch[0]!);
              const got = h.run(toReq(batch[0]!)).result;
              expect(got.type === 'error' ? got.err : 0).toBe(want.code);
              if (want.path) expect(got).toMatchObject({ path: want.path });
            } else {
              const copy = new Map([...m].map(([k, v]) => [k, { ...v }]));
              const codes = batch.map((o) => modelApply(copy, o).code);
              const fail = codes.findIndex((c) => c !== 0);
              const got = h.run({ op: 'multi', ops: batch.map(toReq) as never }).result;
              if (fail < 0) {
                m.clear();
                for (const [k, v] of copy) m.set(k, v);
                expect(got.type === 'multi' && got.results.every((r) => r.type !== 'error')).toBe(true);
              } else {
                const errs =
                  got.type === 'multi' ? got.results.map((r) => (r.type === 'error' ? r.err : 'ok')) : [];
                expect(errs).toEqual(
                  batch.map((_, i) => (i < fail ? 0 : i === fail ? codes[fail] : E.RUNTIMEINCONSISTENCY)),
                );
              }
            }
            for (const [p, n] of m) {
              if (p.startsWith('/zookeeper')) continue;
              const st = h.tree.statOf(p);
              expect(st, p).toBeDefined();
              expect(st!.version).toBe(n.version);
              expect(st!.numChildren).toBe(n.kids);
              expect(st!.cversion).toBe(2 * n.created - n.kids);
            }
            expect(h.tree.nodeCount).toBe(m.size + 2);
            expect(h.prep.outstandingCount).toBe(0);
          }
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});
