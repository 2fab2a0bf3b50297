import { describe, expect, it } from 'vitest';
import { makeZxid } from '../zab/zxid.js';
import { InvariantChecker } from './invariants.js';

const e = (epoch: number, counter: number, data = `${epoch}.${counter}`) => ({
  zxid: makeZxid(epoch, counter),
  data: Buffer.from(data),
});

describe('InvariantChecker', () => {
  const everywhere = () => true;

  it('accepts members applying the same sequence', () => {
    const c = new InvariantChecker([1, 2, 3], everywhere);
    c.onStart(1, []);
    c.onStart(2, []);
    for (const x of [e(1, 1), e(1, 2)]) {
      c.onApply(1, x);
      c.onApply(2, x);
    }
    expect(c.violations).toEqual([]);
  });

  it('flags divergent applies', () => {
    const c = new InvariantChecker([1, 2, 3], everywhere);
    c.onStart(1, []);
    c.onStart(2, []);
    c.onApply(1, e(1, 1));
    c.onApply(2, e(1, 1, 'other'));
    expect(c.violations.map((v) => v.kind)).toEqual(['agreement']);
  });

  it('flags out-of-order applies', () => {
    const c = new InvariantChecker([1, 2, 3], everywhere);
    c.onStart(1, []);
    c.onApply(1, e(1, 2));
    c.onApply(1, e(1, 1));
    expect(c.violations.map((v) => v.kind)).toContain('apply-order');
  });

  it('flags a second leader in one epoch', () => {
    const c = new InvariantChecker([1, 2, 3], everywhere);
    c.onEstablished(1, 2, []);
    c.onEstablished(1, 2, []); // the same leader again is fine
    expect(c.violations).toEqual([]);
    c.onEstablished(2, 2, []);
    expect(c.violations.map((v) => v.kind)).toEqual(['two-leaders']);
  });

  it('flags a commit that only a minority holds durably, and a later leader missing a commit', () => {
    const c = new InvariantChecker([1, 2, 3], (id) => id === 1);
    c.onStart(1, []);
    c.onEstablished(2, 2, []); // established epoch 2 without 1.1 in its history
    c.onApply(1, e(1, 1));
    expect(c.violations.map((v) => v.kind)).toEqual(['not-durable', 'lost-commit']);
  });

  it('flags truncation below what a member applied', () => {
    const c = new InvariantChecker([1], everywhere);
    c.onStart(1, []);
    c.onApply(1, e(1, 1));
    c.onApply(1, e(1, 2));
    c.onTruncate(1, makeZxid(1, 1));
    expect(c.violations.map((v) => v.kind)).toEqual(['lost-commit']);
  });
});
