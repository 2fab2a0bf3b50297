/**
 * The simulator with non-atomic durable parts: a crash can fall between the log cut and the
 * snapshot's publication, between a truncation and the epoch files, or between the two epoch files
 * (each is its own write in the real host). ZAB's invariants must hold across them, and members must
 * still converge once healed.
 */
import { describe, expect, it } from 'vitest';
import { randomRun } from './random-run.js';

describe('simulation with crashes inside durable metadata writes', () => {
  it('keeps every invariant and stays live when a crash can split any multi-step durable write', () => {
    const base = Number(process.env['SIM_SEED'] ?? 1);
    let crashes = 0;
    for (let seed = base; seed < base + 60; seed++) {
      const r = randomRun({ seed, voters: 3, observers: seed % 4 === 0 ? 1 : 0, metadataCrashRate: 0.3 });
      crashes += r.metadataCrashes;
      expect(r.violations, `seed ${seed} (SIM_SEED=${seed} to replay)`).toEqual([]);
      expect(r.live, `seed ${seed}: no leader served a fresh proposal everywhere after healing`).toBe(true);
    }
    console.log(
      `metadata crash simulation: seeds ${base}..${base + 59}, ${crashes} crashes inside durable parts`,
    );
    // The runs did exercise the split writes.
    expect(crashes).toBeGreaterThan(20);
  }, 120_000);
});
