/**
 * Randomized deterministic simulation: thousands of seeds of crashes, restarts, partitions, lossy /
 * duplicating / reordering links, slow disks and log compaction, with every safety invariant checked
 * after every step (testing/invariants.ts), then a healed phase that must make progress.
 *
 *   ZAB_SIM_SEEDS=5000 npx vitest run --project unit libs/coordination/src/zab   # more seeds per config
 *   ZAB_SIM_SEED_BASE=100000 ...                                                 # another seed range
 *   ZAB_SIM_SEED=1234 ZAB_SIM_VOTERS=5 npx vitest run --project unit libs/coordination/src/zab  # replay
 */
import { describe, expect, it } from 'vitest';
import { randomRun, type RandomRunResult } from '../testing/random-run.js';

const SEEDS = Number(process.env['ZAB_SIM_SEEDS'] ?? 3000);
const BASE = Number(process.env['ZAB_SIM_SEED_BASE'] ?? 1);
const ONE = process.env['ZAB_SIM_SEED'];
const CHUNK = 500;

function replay(seed: number, voters: number): string {
  return `ZAB_SIM_SEED=${seed} ZAB_SIM_VOTERS=${voters} npx vitest run --project unit libs/coordination/src/zab/zab-simulation`;
}

function describeFailure(r: RandomRunResult, voters: number): string {
  const what =
    r.violations.length > 0
      ? JSON.stringify(r.violations.slice(0, 5), null, 2)
      : 'no progress after healing (liveness)';
  return `seed ${r.seed} (${voters} voters + 1 observer) failed: ${what}\nreplay: ${replay(r.seed, voters)}`;
}

function runSeeds(voters: number, from: number, count: number): void {
  for (let seed = from; seed < from + count; seed++) {
    const r = randomRun({ seed, voters, observers: 1 });
    if (r.violations.length > 0 || !r.live) {
      const msg = describeFailure(r, voters);
      console.error(msg);
      expect.fail(msg);
    }
  }
}

describe('ZAB under seeded faults', () => {
  if (ONE !== undefined) {
    const voters = Number(process.env['ZAB_SIM_VOTERS'] ?? 3);
    it(`replays seed ${ONE} with ${voters} voters`, () => runSeeds(voters, Number(ONE), 1));
    return;
  }
  for (const voters of [3, 5]) {
    for (let from = BASE; from < BASE + SEEDS; from += CHUNK) {
      const count = Math.min(CHUNK, BASE + SEEDS - from);
      it(`${voters} voters + observer, seeds ${from}..${from + count - 1}: safe, and live once healed`, () => {
        console.log(`zab simulation: ${voters} voters, seeds ${from}..${from + count - 1}`);
        runSeeds(voters, from, count);
      });
    }
  }
});

describe('the checker can fail (planted bugs)', () => {
  // Each planted bug must be caught within a few seeds; if not, the invariants are too weak.
  const firstViolation = (unsafe: { skipTrunc?: boolean; commitWithoutQuorum?: boolean }, voters: number) => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = randomRun({ seed, voters, observers: 1, unsafe, liveness: false });
      if (r.violations.length > 0) return { seed, kinds: new Set(r.violations.map((v) => v.kind)) };
    }
    return undefined;
  };

  it('commitWithoutQuorum (leader commits on its own fsync) is caught', () => {
    const found = firstViolation({ commitWithoutQuorum: true }, 3);
    console.log('commitWithoutQuorum caught at seed', found?.seed, found && [...found.kinds]);
    expect(found).toBeDefined();
    expect(found!.kinds.has('not-durable')).toBe(true);
  });

  it('skipTrunc (DIFF where a TRUNC is needed) is caught', () => {
    const found = firstViolation({ skipTrunc: true }, 3);
    console.log('skipTrunc caught at seed', found?.seed, found && [...found.kinds]);
    expect(found).toBeDefined();
    expect(found!.kinds.has('agreement')).toBe(true);
  });
});
