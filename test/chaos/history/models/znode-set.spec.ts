import { describe, it, expect } from 'vitest';
import { checkLinearizable } from '../checker.js';
import type { OpStatus } from '../history.js';
import { znodeSetModel, type ZnodeOp } from './znode-set.js';

function zop(
  process: number,
  op: 'create' | 'delete' | 'exists',
  window: [number, number?],
  status: OpStatus = 'ok',
  output?: boolean,
  key = '/n',
): ZnodeOp {
  const o: ZnodeOp = { process, op, key, input: null, invoke: window[0], status };
  if (window[1] !== undefined) o.complete = window[1];
  if (output !== undefined) o.output = output;
  return o;
}
const check = (h: ZnodeOp[]) => checkLinearizable(znodeSetModel(), h).result;

describe('znode-set model', () => {
  it('accepts create, exists, delete, exists in sequence', () => {
    expect(
      check([
        zop(1, 'create', [0, 1]),
        zop(2, 'exists', [2, 3], 'ok', true),
        zop(1, 'delete', [4, 5]),
        zop(2, 'exists', [6, 7], 'ok', false),
      ]),
    ).toBe('ok');
  });

  it('rejects two successful creates of the same path without a delete', () => {
    expect(check([zop(1, 'create', [0, 10]), zop(2, 'create', [5, 15])])).toBe('illegal');
  });

  it('accepts concurrent creates where exactly one wins', () => {
    expect(check([zop(1, 'create', [0, 10], 'fail'), zop(2, 'create', [5, 15])])).toBe('ok');
  });

  it('rejects NODEEXISTS when the node cannot exist', () => {
    expect(check([zop(1, 'create', [0, 10], 'fail')])).toBe('illegal');
  });

  it('rejects NONODE on delete after a completed create', () => {
    expect(check([zop(1, 'create', [0, 10]), zop(2, 'delete', [20, 30], 'fail')])).toBe('illegal');
  });

  it('rejects exists=false after a completed create (lost create)', () => {
    expect(check([zop(1, 'create', [0, 10]), zop(2, 'exists', [20, 30], 'ok', false)])).toBe('illegal');
  });

  it('keys are independent', () => {
    expect(
      check([
        zop(1, 'create', [0, 10], 'ok', undefined, '/a'),
        zop(2, 'exists', [20, 30], 'ok', false, '/b'),
      ]),
    ).toBe('ok');
  });

  it('accepts an unknown create whether or not it applied', () => {
    const c = zop(1, 'create', [0]);
    c.status = 'unknown';
    expect(check([c, zop(2, 'exists', [10, 20], 'ok', true)])).toBe('ok');
    expect(check([c, zop(2, 'exists', [10, 20], 'ok', false)])).toBe('ok');
    // Applied or not, it cannot explain a successful delete AND a later exists=true.
    expect(check([c, zop(2, 'delete', [10, 20]), zop(2, 'exists', [30, 40], 'ok', true)])).toBe('illegal');
  });
});
