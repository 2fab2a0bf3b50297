import { describe, it, expect } from 'vitest';
import { ErrorCode } from '../../../../libs/coordination/src/protocol/constants.js';
import { checkLinearizable } from '../checker.js';
import { registerCasModel, type RegisterOp } from './register-cas.js';

/** A key the scenario created with 'init' before any op on it (version 0). */
const created = registerCasModel({ value: 'init', version: 0 });
const check = (h: RegisterOp[], model = created) => checkLinearizable(model, h).result;

function op(
  process: number,
  name: 'read' | 'write' | 'cas',
  window: [number, number],
  input: RegisterOp['input'],
  output: RegisterOp['output'],
  status: RegisterOp['status'] = 'ok',
): RegisterOp {
  return { process, op: name, key: '/k', input, output, invoke: window[0], complete: window[1], status };
}
const nonode = { code: ErrorCode.NONODE };

describe('register-cas model: NONODE on a key the scenario created', () => {
  it('accepts reads, writes and a CAS that all find the znode', () => {
    expect(
      check([
        op(1, 'write', [0, 1], { value: 'a' }, { version: 1 }),
        op(2, 'cas', [2, 3], { value: 'b', expectedVersion: 1 }, { version: 2 }),
        op(3, 'read', [4, 5], {}, { value: 'b', version: 2 }),
      ]),
    ).toBe('ok');
  });

  it('rejects a final read answering NONODE: the whole znode was lost', () => {
    expect(
      check([
        op(1, 'write', [0, 1], { value: 'a' }, { version: 1 }),
        op(9, 'read', [5, 6], {}, nonode, 'fail'),
      ]),
    ).toBe('illegal');
  });

  it('rejects a blind write failing NONODE', () => {
    expect(check([op(1, 'write', [0, 1], { value: 'a' }, nonode, 'fail')])).toBe('illegal');
  });

  it('rejects a CAS failing NONODE even when its version was stale', () => {
    expect(
      check([
        op(1, 'write', [0, 1], { value: 'a' }, { version: 1 }),
        op(2, 'cas', [2, 3], { value: 'b', expectedVersion: 0 }, nonode, 'fail'),
      ]),
    ).toBe('illegal');
  });

  it('still accepts a BADVERSION that is real', () => {
    expect(
      check([
        op(1, 'write', [0, 1], { value: 'a' }, { version: 1 }),
        op(2, 'cas', [2, 3], { value: 'b', expectedVersion: 0 }, { code: ErrorCode.BADVERSION }, 'fail'),
      ]),
    ).toBe('ok');
  });

  it('accepts NONODE on a key that never existed (initial state absent)', () => {
    expect(check([op(1, 'read', [0, 1], {}, nonode, 'fail')], registerCasModel())).toBe('ok');
  });

  it('rejects a sync+read that misses a write acknowledged before it started', () => {
    // Reads recorded as linearizable (sync first): one finishing after the write acked must see it.
    expect(
      check([
        op(1, 'write', [0, 1], { value: 'a' }, { version: 1 }),
        op(2, 'read', [2, 3], {}, { value: 'init', version: 0 }),
      ]),
    ).toBe('illegal');
  });
});
