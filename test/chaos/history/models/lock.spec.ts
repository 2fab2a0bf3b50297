import { describe, it, expect } from 'vitest';
import { checkLinearizable } from '../checker.js';
import type { OpStatus } from '../history.js';
import { lockModel, type LockOp } from './lock.js';

function acq(process: number, window: [number, number?], token?: number, status: OpStatus = 'ok'): LockOp {
  const o: LockOp = { process, op: 'acquire', key: '/lock', input: null, invoke: window[0], status };
  if (window[1] !== undefined) o.complete = window[1];
  if (token !== undefined) o.output = { token };
  return o;
}
function rel(process: number, window: [number, number?], status: OpStatus = 'ok'): LockOp {
  const o: LockOp = { process, op: 'release', key: '/lock', input: null, invoke: window[0], status };
  if (window[1] !== undefined) o.complete = window[1];
  return o;
}
const check = (h: LockOp[]) => checkLinearizable(lockModel(), h).result;

describe('lock model', () => {
  it('accepts alternating holders with increasing tokens', () => {
    expect(check([acq(1, [0, 1], 5), rel(1, [2, 3]), acq(2, [4, 5], 9), rel(2, [6, 7])])).toBe('ok');
  });

  it('rejects two holders overlapping', () => {
    // 2 acquires at [4,5] while 1, which acquired at [0,1], releases only at [10,11].
    expect(check([acq(1, [0, 1], 1), acq(2, [4, 5], 2), rel(1, [10, 11]), rel(2, [12, 13])])).toBe('illegal');
  });

  it('accepts an acquire that waits across the previous release', () => {
    expect(check([acq(1, [0, 1], 1), acq(2, [4, 20], 2), rel(1, [10, 11])])).toBe('ok');
  });

  it('rejects a fencing token going backwards', () => {
    expect(check([acq(1, [0, 1], 7), rel(1, [2, 3]), acq(2, [4, 5], 6)])).toBe('illegal');
  });

  it('rejects a repeated fencing token', () => {
    expect(check([acq(1, [0, 1], 7), rel(1, [2, 3]), acq(2, [4, 5], 7)])).toBe('illegal');
  });

  it('orders concurrent acquires by token', () => {
    // Both acquire/release pairs overlap in time; the token order decides who went first.
    const ok = [acq(1, [0, 10], 1), acq(2, [0, 10], 2), rel(1, [0, 10]), rel(2, [0, 10])];
    expect(check(ok)).toBe('ok');
    // Token 1 means 2 held first, but then 1 could not have acquired (by t=1) and released (by
    // t=3) before 2's release at t=11; token order and real time contradict each other.
    expect(check([acq(1, [0, 1], 2), rel(1, [2, 3]), acq(2, [0, 10], 1), rel(2, [11, 12])])).toBe('illegal');
  });

  it('accepts a tryLock failure only while someone else holds the lock', () => {
    expect(check([acq(1, [0, 1], 1), acq(2, [2, 3], undefined, 'fail')])).toBe('ok');
    expect(check([acq(2, [2, 3], undefined, 'fail')])).toBe('illegal');
  });

  it('rejects a release by a process that does not hold the lock', () => {
    expect(check([acq(1, [0, 1], 1), rel(2, [2, 3])])).toBe('illegal');
  });

  it('lets an unknown acquire have taken effect or not', () => {
    const maybe = acq(1, [0], undefined, 'unknown');
    // Never took effect: 2 may acquire later.
    expect(check([maybe, acq(2, [10, 11], 3)])).toBe('ok');
    // Took effect (2's tryLock failed because 1 holds it).
    expect(check([maybe, acq(2, [10, 11], undefined, 'fail')])).toBe('ok');
    // Did take effect and was released: the release is only legal if the acquire applied.
    expect(check([maybe, rel(1, [10, 11]), acq(2, [12, 13], 3)])).toBe('ok');
  });
});
