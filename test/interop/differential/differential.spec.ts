/**
 * The differential wire test in CI: seeded request sequences over raw frames, each sent to Apache
 * ZooKeeper 3.8 and to our member in lock step, every reply and watch event compared after the
 * normalisations of allowed-differences.ts (the one list of accepted differences). Both servers
 * run for the whole suite; each sequence works under its own root with fresh sessions.
 *
 * Seeds: a fixed regression range, then a range from a random base printed at the start (so
 * runs keep exploring). DIFF_SEEDS (default 300) is the total, DIFF_FIRST_SEED pins the random
 * base. Replay any seed with `npm run test:differential -- --seed N --verbose`.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { formatDifference, runSequence } from './lockstep.js';
import {
  DIFF_PARENT,
  differentialSkipReason,
  startDifferentialServers,
  type DifferentialServers,
} from './servers.js';

const TOTAL = Number(process.env['DIFF_SEEDS'] ?? 300);
const REGRESSION = Math.min(100, TOTAL);
const randomBase = Number(process.env['DIFF_FIRST_SEED'] ?? 1000 + Math.floor(Math.random() * 1_000_000));
const seeds = [
  ...Array.from({ length: REGRESSION }, (_, i) => i + 1),
  ...Array.from({ length: TOTAL - REGRESSION }, (_, i) => randomBase + i),
];
const skip = differentialSkipReason();

describe.skipIf(skip !== undefined)(`differential wire test${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let servers: DifferentialServers;
  beforeAll(async () => {
    servers = await startDifferentialServers();
  });
  afterAll(async () => {
    await servers?.stop();
  });

  it(`answers ${TOTAL} seeded sequences as Apache ZooKeeper 3.8 does`, { timeout: 600_000 }, async () => {
    console.log(
      `differential seeds 1..${REGRESSION} and ${randomBase}..${randomBase + TOTAL - REGRESSION - 1} ` +
        `(replay one: npm run test:differential -- --seed N; this base: DIFF_FIRST_SEED=${randomBase})`,
    );
    const started = Date.now();
    let steps = 0;
    for (const seed of seeds) {
      const res = await runSequence(seed, servers.reference, servers.candidate, {
        ensemble: false,
        parent: DIFF_PARENT,
      });
      steps += res.steps;
      if (res.difference) {
        throw new Error(
          formatDifference(res.difference, `npm run test:differential -- --seed ${seed} --verbose`),
        );
      }
    }
    console.log(
      `differential: ${seeds.length} sequences, ${steps} steps compared in ${Date.now() - started} ms`,
    );
  });
});
