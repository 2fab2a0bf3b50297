import { describe, it, expect } from 'vitest';
import { checkLinearizable, InvalidHistoryError } from './checker.js';
import type { OpStatus } from './history.js';
import { registerCasModel, type RegisterOp } from './models/register-cas.js';
import { simulateRegisterHistory } from './simulated-history.js';

/** Builds one register op; `window` is [invoke, complete] (complete omitted for unknown). */
function reg(
  process: number,
  op: 'read' | 'write' | 'cas',
  window: [number, number?],
  io: { value?: string; expectedVersion?: number; out?: { value?: string | null; version?: number } } = {},
  status: OpStatus = 'ok',
  key = '/r',
): RegisterOp {
  const input = op === 'read' ? {} : { value: io.value, expectedVersion: io.expectedVersion };
  const o: RegisterOp = { process, op, key, input, invoke: window[0], status };
  if (window[1] !== undefined) o.complete = window[1];
  if (io.out !== undefined) o.output = io.out;
  return o;
}
const model = registerCasModel();

describe('checkLinearizable with the register-cas model', () => {
  it('accepts a sequential write then read', () => {
    const h = [
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }),
      reg(2, 'read', [20, 30], { out: { value: 'a', version: 1 } }),
    ];
    expect(checkLinearizable(model, h).result).toBe('ok');
  });

  it('rejects a stale read after a completed write, naming the partition and a prefix', () => {
    const h = [
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }),
      reg(1, 'write', [20, 30], { value: 'b', out: { version: 2 } }),
      reg(2, 'read', [40, 50], { out: { value: 'a', version: 1 } }),
    ];
    const r = checkLinearizable(model, h);
    expect(r.result).toBe('illegal');
    expect(r.witness?.key).toBe('/r');
    expect(r.witness?.longestPrefix.map((o) => o.input.value)).toEqual(['a', 'b']);
    expect(r.witness?.remaining.map((o) => o.op)).toEqual(['read']);
  });

  it('accepts concurrent overlapping writes observed in either order', () => {
    const writes = [
      reg(1, 'write', [0, 30], { value: 'a', out: { version: 1 } }),
      reg(2, 'write', [5, 35], { value: 'b', out: { version: 2 } }),
    ];
    const writesOther = [
      reg(1, 'write', [0, 30], { value: 'a', out: { version: 2 } }),
      reg(2, 'write', [5, 35], { value: 'b', out: { version: 1 } }),
    ];
    expect(
      checkLinearizable(model, [...writes, reg(3, 'read', [40, 50], { out: { value: 'b', version: 2 } })])
        .result,
    ).toBe('ok');
    expect(
      checkLinearizable(model, [
        ...writesOther,
        reg(3, 'read', [40, 50], { out: { value: 'a', version: 2 } }),
      ]).result,
    ).toBe('ok');
    // But the read must agree with the versions the writers were told.
    expect(
      checkLinearizable(model, [...writes, reg(3, 'read', [40, 50], { out: { value: 'a', version: 2 } })])
        .result,
    ).toBe('illegal');
  });

  it('accepts a read concurrent with a write seeing either the old or the new value', () => {
    const w = reg(1, 'write', [0, 100], { value: 'a', out: { version: 1 } });
    expect(
      checkLinearizable(model, [w, reg(2, 'read', [10, 20], { out: { value: null, version: 0 } })]).result,
    ).toBe('ok');
    expect(
      checkLinearizable(model, [w, reg(2, 'read', [10, 20], { out: { value: 'a', version: 1 } })]).result,
    ).toBe('ok');
  });

  it('rejects a lost acknowledged write', () => {
    const h = [
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }),
      reg(2, 'read', [20, 30], { out: { value: null, version: 0 } }),
    ];
    expect(checkLinearizable(model, h).result).toBe('illegal');
  });

  it('rejects a read that un-sees a value once another read saw it (new-old inversion)', () => {
    const h = [
      reg(1, 'write', [0, 100], { value: 'a', out: { version: 1 } }),
      reg(2, 'read', [10, 20], { out: { value: 'a', version: 1 } }),
      reg(3, 'read', [30, 40], { out: { value: null, version: 0 } }),
    ];
    expect(checkLinearizable(model, h).result).toBe('illegal');
  });

  it('accepts an unknown write whether or not it applied, but not both', () => {
    const w = reg(1, 'write', [0], { value: 'a' }, 'unknown');
    const sawIt = reg(2, 'read', [50, 60], { out: { value: 'a', version: 1 } });
    const missed = reg(2, 'read', [50, 60], { out: { value: null, version: 0 } });
    expect(checkLinearizable(model, [w, sawIt]).result).toBe('ok');
    expect(checkLinearizable(model, [w, missed]).result).toBe('ok');
    // It may apply late (after a first read missed it)...
    expect(
      checkLinearizable(model, [w, missed, reg(2, 'read', [70, 80], { out: { value: 'a', version: 1 } })])
        .result,
    ).toBe('ok');
    // ...but once seen it cannot be un-applied.
    expect(
      checkLinearizable(model, [w, sawIt, reg(2, 'read', [70, 80], { out: { value: null, version: 0 } })])
        .result,
    ).toBe('illegal');
  });

  it('does not let an unknown write take effect before it was invoked', () => {
    const h = [
      reg(2, 'read', [0, 10], { out: { value: 'a', version: 1 } }),
      reg(1, 'write', [20], { value: 'a' }, 'unknown'),
    ];
    expect(checkLinearizable(model, h).result).toBe('illegal');
  });

  it('rejects a cas that succeeded on a stale version', () => {
    const h = [
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }),
      reg(2, 'cas', [20, 30], { value: 'b', expectedVersion: 0, out: { version: 1 } }),
    ];
    expect(checkLinearizable(model, h).result).toBe('illegal');
  });

  it('checks that a BADVERSION failure was possible', () => {
    const written = reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } });
    const badStale = reg(2, 'cas', [20, 30], { value: 'b', expectedVersion: 0, out: {} }, 'fail');
    const badCurrent = reg(2, 'cas', [20, 30], { value: 'b', expectedVersion: 1, out: {} }, 'fail');
    expect(checkLinearizable(model, [written, badStale]).result).toBe('ok');
    expect(checkLinearizable(model, [written, badCurrent]).result).toBe('illegal');
    // A failed cas has no effect: a later read still sees the written value.
    expect(
      checkLinearizable(model, [
        written,
        badStale,
        reg(3, 'read', [40, 50], { out: { value: 'a', version: 1 } }),
      ]).result,
    ).toBe('ok');
  });

  it('accepts a cas whose failure is explained by a concurrent write', () => {
    const h = [
      reg(1, 'write', [0, 100], { value: 'a', out: { version: 1 } }),
      reg(2, 'cas', [10, 20], { value: 'b', expectedVersion: 0, out: {} }, 'fail'),
    ];
    expect(checkLinearizable(model, h).result).toBe('ok');
  });

  it('lets an unknown cas apply only where its expected version matches', () => {
    const w = reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } });
    const casHit = reg(2, 'cas', [20], { value: 'b', expectedVersion: 1 }, 'unknown');
    const casMiss = reg(2, 'cas', [20], { value: 'b', expectedVersion: 0 }, 'unknown');
    const sawB = reg(3, 'read', [40, 50], { out: { value: 'b', version: 2 } });
    const sawA = reg(3, 'read', [40, 50], { out: { value: 'a', version: 1 } });
    expect(checkLinearizable(model, [w, casHit, sawB]).result).toBe('ok');
    expect(checkLinearizable(model, [w, casHit, sawA]).result).toBe('ok');
    expect(checkLinearizable(model, [w, casMiss, sawA]).result).toBe('ok');
    expect(checkLinearizable(model, [w, casMiss, sawB]).result).toBe('illegal');
  });

  it('finds the order when several unknown writes interleave with known ones', () => {
    const h = [
      reg(1, 'write', [0], { value: 'u1' }, 'unknown'),
      reg(2, 'write', [0], { value: 'u2' }, 'unknown'),
      reg(3, 'write', [0, 100], { value: 'k', out: { version: 2 } }),
      reg(4, 'read', [110, 120], { out: { value: 'u1', version: 3 } }),
    ];
    // k must be second: u2 first, k, then u1 (u2 before k, u1 after it).
    const r = checkLinearizable(model, h);
    expect(r.result).toBe('ok');
    expect(r.witness).toBeUndefined();
    expect(
      checkLinearizable(model, [...h, reg(4, 'read', [130, 140], { out: { value: 'u2', version: 4 } })])
        .result,
    ).toBe('illegal');
  });

  it('treats an op invoked at the instant another completes as concurrent', () => {
    const h = [
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }),
      reg(2, 'read', [10, 20], { out: { value: null, version: 0 } }),
    ];
    expect(checkLinearizable(model, h).result).toBe('ok');
  });

  it('partitions by key and reports the illegal key only', () => {
    const h = [
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }, 'ok', '/x'),
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }, 'ok', '/y'),
      reg(2, 'read', [20, 30], { out: { value: 'a', version: 1 } }, 'ok', '/x'),
      reg(2, 'read', [20, 30], { out: { value: null, version: 0 } }, 'ok', '/y'),
    ];
    const r = checkLinearizable(model, h);
    expect(r.result).toBe('illegal');
    expect(r.partitions.map((p) => [p.key, p.result])).toEqual([
      ['/x', 'ok'],
      ['/y', 'illegal'],
    ]);
    expect(r.witness?.key).toBe('/y');
  });

  it('partitions by model.key when the model provides one', () => {
    const byPrefix = { ...model, key: (op: RegisterOp) => op.key.split('#')[0]! };
    const h = [
      reg(1, 'write', [0, 10], { value: 'a', out: { version: 1 } }, 'ok', '/x#1'),
      reg(2, 'read', [20, 30], { out: { value: 'a', version: 1 } }, 'ok', '/x#2'),
    ];
    expect(checkLinearizable(model, h).result).toBe('illegal');
    const r = checkLinearizable(byPrefix, h);
    expect(r.result).toBe('ok');
    expect(r.partitions.map((p) => p.key)).toEqual(['/x']);
  });

  it('accepts bigint timestamps', () => {
    const base = 10n ** 18n;
    const h: RegisterOp[] = [
      {
        process: 1,
        op: 'write',
        key: '/r',
        input: { value: 'a' },
        output: { version: 1 },
        invoke: base,
        complete: base + 1n,
        status: 'ok',
      },
      {
        process: 2,
        op: 'read',
        key: '/r',
        input: {},
        output: { value: null, version: 0 },
        invoke: base + 2n,
        complete: base + 3n,
        status: 'ok',
      },
    ];
    expect(checkLinearizable(model, h).result).toBe('illegal');
  });

  it('rejects malformed histories', () => {
    const h: RegisterOp[] = [{ process: 1, op: 'read', key: '/r', input: {}, invoke: 0, status: 'ok' }];
    expect(() => checkLinearizable(model, h)).toThrow(InvalidHistoryError);
  });

  it("returns 'unknown' when a partition exceeds its time budget", () => {
    const h = simulateRegisterHistory({ seed: 7, ops: 3000, keys: 1, processes: 5 });
    let t = 0;
    const r = checkLinearizable(model, h, { timeoutMs: 5, now: () => (t += 10) });
    expect(r.result).toBe('unknown');
    expect(r.partitions[0]?.result).toBe('unknown');
    expect(r.witness?.key).toBe('/k0');
  });
});
