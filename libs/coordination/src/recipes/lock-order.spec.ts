import { describe, expect, it } from 'vitest';
import {
  exclusiveDecision,
  findProtected,
  leaveDecision,
  parseContender,
  protectedPrefix,
  readDecision,
  sequenceOf,
  sortContenders,
  writeDecision,
} from './lock-order.js';

const U1 = '11111111-1111-1111-1111-111111111111';
const U2 = '22222222-2222-2222-2222-222222222222';
const lockNode = (uuid: string, seq: number) => `_c_${uuid}-lock-${String(seq).padStart(10, '0')}`;
const MARKERS = ['lock-', '__lock__'];

describe('sequenceOf / parseContender', () => {
  it('reads the 10-digit suffix, including the negative form after the counter wraps', () => {
    expect(sequenceOf('x-lock-0000000042')).toBe(42);
    // %010d of -5: the dash of "lock-" must not be read as a minus sign, a real minus is.
    expect(sequenceOf('x-lock--000000005')).toBe(-5);
    expect(sequenceOf('x-lock-42')).toBeUndefined();
    expect(sequenceOf('config')).toBeUndefined();
  });

  it('requires the marker right before the suffix', () => {
    expect(parseContender(lockNode(U1, 7), MARKERS)).toEqual({
      name: lockNode(U1, 7),
      marker: 'lock-',
      sequence: 7,
    });
    expect(parseContender('abc__lock__0000000003', MARKERS)?.marker).toBe('__lock__');
    expect(parseContender('lease-0000000003', MARKERS)).toBeUndefined();
    expect(parseContender('_c_x-__READ__0000000001', ['lock-'])).toBeUndefined();
  });
});

describe('sortContenders', () => {
  it('orders by sequence, not by the uuid that starts the name', () => {
    // Whole-name order would put U1's node (seq 9) before U2's (seq 3).
    const children = [lockNode(U1, 9), 'not-a-contender', lockNode(U2, 3), 'f00d__lock__0000000005'];
    expect(sortContenders(children, MARKERS).map((c) => c.sequence)).toEqual([3, 5, 9]);
  });

  it('orders numerically across digit boundaries and wrap', () => {
    const children = ['a-lock-0000000010', 'b-lock-0000000009', 'c-lock--000000001', 'd-lock-0000000001'];
    expect(sortContenders(children, ['lock-']).map((c) => c.name)).toEqual([
      'c-lock--000000001',
      'd-lock-0000000001',
      'b-lock-0000000009',
      'a-lock-0000000010',
    ]);
  });
});

describe('exclusiveDecision', () => {
  const children = [lockNode(U2, 4), lockNode(U1, 2), 'abc__lock__0000000003'];

  it('the lowest sequence holds', () => {
    expect(exclusiveDecision(children, lockNode(U1, 2), MARKERS)).toEqual({ kind: 'acquired' });
  });

  it('a waiter watches only its immediate predecessor (a kazoo node counts as one)', () => {
    expect(exclusiveDecision(children, lockNode(U2, 4), MARKERS)).toEqual({
      kind: 'wait',
      watch: 'abc__lock__0000000003',
    });
    expect(exclusiveDecision(children, 'abc__lock__0000000003', MARKERS)).toEqual({
      kind: 'wait',
      watch: lockNode(U1, 2),
    });
  });

  it('every waiter watches a different node: one release wakes one waiter', () => {
    const many = Array.from({ length: 50 }, (_, i) => lockNode(i % 2 ? U1 : U2, 100 - i));
    const watched = many
      .map((m) => exclusiveDecision(many, m, MARKERS))
      .filter((d) => d.kind === 'wait')
      .map((d) => (d as { watch: string }).watch);
    expect(watched).toHaveLength(49);
    expect(new Set(watched).size).toBe(49);
  });

  it('reports our node missing (session expired, node deleted)', () => {
    expect(exclusiveDecision(children, lockNode(U1, 99), MARKERS)).toEqual({ kind: 'missing' });
  });

  it('ignores nodes of other markers when told only ours', () => {
    expect(exclusiveDecision(children, lockNode(U2, 4), ['lock-'])).toEqual({
      kind: 'wait',
      watch: lockNode(U1, 2),
    });
  });
});

describe('read / write decisions', () => {
  const r = (seq: number) => `_c_${U1}-__READ__${String(seq).padStart(10, '0')}`;
  const w = (seq: number) => `_c_${U2}-__WRIT__${String(seq).padStart(10, '0')}`;
  const queue = [r(1), r(2), w(3), r(4), w(5), r(6)];

  it('readers ahead of every writer hold together', () => {
    expect(readDecision(queue, r(1))).toEqual({ kind: 'acquired' });
    expect(readDecision(queue, r(2))).toEqual({ kind: 'acquired' });
  });

  it('a reader behind a writer waits for the nearest writer only', () => {
    expect(readDecision(queue, r(4))).toEqual({ kind: 'wait', watch: w(3) });
    expect(readDecision(queue, r(6))).toEqual({ kind: 'wait', watch: w(5) });
  });

  it('a writer waits for the node just ahead, reader or writer', () => {
    expect(writeDecision(queue, w(3))).toEqual({ kind: 'wait', watch: r(2) });
    expect(writeDecision(queue, w(5))).toEqual({ kind: 'wait', watch: r(4) });
    expect(writeDecision([w(5), r(6)], w(5))).toEqual({ kind: 'acquired' });
  });

  it('missing node is reported for both', () => {
    expect(readDecision(queue, r(9))).toEqual({ kind: 'missing' });
    expect(writeDecision(queue, w(9))).toEqual({ kind: 'missing' });
  });
});

describe('protected mode names', () => {
  it('finds our node by the uuid prefix only', () => {
    const prefix = protectedPrefix(U1, 'lock-');
    expect(prefix).toBe(`_c_${U1}-lock-`);
    expect(findProtected([lockNode(U2, 1), lockNode(U1, 2)], prefix)).toBe(lockNode(U1, 2));
    expect(findProtected([lockNode(U2, 1)], prefix)).toBeUndefined();
  });
});

describe('leaveDecision (double barrier)', () => {
  it('the lowest waits for the highest; the others delete themselves and wait for the lowest', () => {
    expect(leaveDecision(['c', 'a', 'b'], 'a')).toEqual({ kind: 'wait', watch: 'c', deleteMine: false });
    expect(leaveDecision(['c', 'a', 'b'], 'b')).toEqual({ kind: 'wait', watch: 'a', deleteMine: true });
    expect(leaveDecision(['c', 'a', 'b'], 'c')).toEqual({ kind: 'wait', watch: 'a', deleteMine: true });
  });

  it('already deleted: keep waiting for the lowest without deleting again', () => {
    expect(leaveDecision(['a', 'c'], 'b')).toEqual({ kind: 'wait', watch: 'a', deleteMine: false });
  });

  it('alone or everyone gone: done', () => {
    expect(leaveDecision(['a'], 'a')).toEqual({ kind: 'done', deleteMine: true });
    expect(leaveDecision([], 'a')).toEqual({ kind: 'done', deleteMine: false });
  });

  it('the last one left is not me: wait for it', () => {
    expect(leaveDecision(['a'], 'b')).toEqual({ kind: 'wait', watch: 'a', deleteMine: false });
  });
});
