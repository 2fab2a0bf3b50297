import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { checkLinearizable } from './checker.js';
import { registerCasModel, type RegisterOp } from './models/register-cas.js';
import { simulateRegisterHistory } from './simulated-history.js';

const model = registerCasModel();

/** Replaces the value seen by one successful read with one no write ever wrote. */
function corruptOneRead(h: RegisterOp[], pick: number): RegisterOp[] | null {
  const reads = h.map((op, i) => [op, i] as const).filter(([op]) => op.op === 'read' && op.status === 'ok');
  if (reads.length === 0) return null;
  const [victim, at] = reads[pick % reads.length]!;
  const copy = [...h];
  copy[at] = { ...victim, output: { ...victim.output, value: 'never-written' } };
  return copy;
}

describe('checker on simulated register histories', () => {
  it('accepts every history from a sequential execution and rejects one corrupted read', () => {
    const seed = Number(process.env.CHECKER_SEED ?? Date.now() % 2 ** 31);
    console.log(`checker property seed=${seed} (rerun with CHECKER_SEED=${seed})`);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(0, 0.05, 0.2),
        fc.nat(),
        (simSeed, ops, keys, processes, unknownRate, pick) => {
          const h = simulateRegisterHistory({ seed: simSeed, ops, keys, processes, unknownRate });
          const good = checkLinearizable(model, h, { timeoutMs: 20_000 });
          expect(good.result, `sim seed ${simSeed}`).toBe('ok');
          const bad = corruptOneRead(h, pick);
          if (bad !== null) {
            const r = checkLinearizable(model, bad, { timeoutMs: 20_000 });
            expect(r.result, `sim seed ${simSeed}`).toBe('illegal');
            expect(r.witness?.remaining.some((op) => op.output?.value === 'never-written')).toBe(true);
          }
        },
      ),
      { seed, numRuns: 200 },
    );
  });

  it('checks 2,000 ops over 10 keys from 5 concurrent processes within its budget', () => {
    const seed = 20261122;
    console.log(`checker performance seed=${seed}`);
    const h = simulateRegisterHistory({ seed, ops: 2000, keys: 10, processes: 5, unknownRate: 0.02 });
    const started = performance.now();
    const r = checkLinearizable(model, h, { timeoutMs: 5_000 });
    const ms = performance.now() - started;
    console.log(
      `checked ${h.length} ops in ${r.partitions.length} partitions in ${ms.toFixed(0)} ms, steps=${r.partitions.reduce((n, p) => n + p.steps, 0)}`,
    );
    expect(r.result).toBe('ok');
    expect(r.partitions).toHaveLength(10);
    const bad = corruptOneRead(h, 123)!;
    expect(checkLinearizable(model, bad, { timeoutMs: 5_000 }).result).toBe('illegal');
  });
});
