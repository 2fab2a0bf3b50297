/**
 * `npm run test:differential`: seeded request sequences over raw frames, sent to Apache ZooKeeper
 * 3.8 and to our member in lock step, every reply and watch event compared (accepted differences:
 * allowed-differences.ts, and nowhere else). Stops at the first difference (unless --keep-going)
 * and prints its seed, the steps before it, the step and both answers. Exit status 1 on a
 * difference, 2 when the servers cannot run here.
 *
 *   npm run test:differential -- --seeds 2000             # seeds 1..2000, standalone
 *   npm run test:differential -- --seed 417               # replay one seed
 *   npm run test:differential -- --seeds 300 --first 5000 # seeds 5000..5299
 *   npm run test:differential -- --seeds 100 --members 3  # 3-member ensembles of each (optional mode)
 */
import { Command, InvalidArgumentError } from 'commander';
import { runSequence, formatDifference } from './lockstep.js';
import { describeStep } from './scenario.js';
import { DIFF_PARENT, differentialSkipReason, startDifferentialServers } from './servers.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

const program = new Command()
  .name('test:differential')
  .description('Differential wire test: Apache ZooKeeper 3.8 vs the Registrar member')
  .option('--seeds <n>', 'number of sequences', positiveInt, 300)
  .option('--first <seed>', 'first seed', positiveInt, 1)
  .option('--seed <seed>', 'run only this seed', positiveInt)
  .option('--members <n>', 'ensemble size of each server (1 = standalone)', positiveInt, 1)
  .option('--from <where>', "run our member from 'source' (tsx) or 'dist'", 'source')
  .option('--keep-going', 'report every differing seed instead of stopping at the first')
  .option('--verbose', 'print every step and both observations');

const opts = program.parse().opts<{
  seeds: number;
  first: number;
  seed?: number;
  members: number;
  from: 'source' | 'dist';
  keepGoing?: boolean;
  verbose?: boolean;
}>();

const skip = differentialSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}
const first = opts.seed ?? opts.first;
const count = opts.seed === undefined ? opts.seeds : 1;
const started = Date.now();
const servers = await startDifferentialServers(opts.members, opts.from);
console.log(
  `servers up in ${Date.now() - started} ms; seeds ${first}..${first + count - 1}, members ${opts.members}`,
);
let failed = 0;
let steps = 0;
const stop = async (code: number) => {
  await servers.stop();
  process.exit(code);
};
process.once('SIGINT', () => void stop(130));
process.once('SIGTERM', () => void stop(143));
try {
  const t0 = Date.now();
  for (let seed = first; seed < first + count; seed++) {
    const res = await runSequence(seed, servers.reference, servers.candidate, {
      ensemble: opts.members > 1,
      parent: DIFF_PARENT,
      ...(opts.verbose
        ? {
            onStep: (i, step, a, b) => {
              console.log(
                `${i}. ${describeStep(step)}\n   apache:    ${JSON.stringify(a)}\n   registrar: ${JSON.stringify(b)}`,
              );
            },
          }
        : {}),
    });
    steps += res.steps;
    if (res.difference) {
      failed++;
      const members = opts.members > 1 ? ` --members ${opts.members}` : '';
      console.log(formatDifference(res.difference, `npm run test:differential -- --seed ${seed}${members}`));
      if (!opts.keepGoing) break;
    }
    if ((seed - first + 1) % 50 === 0)
      console.log(`${seed - first + 1} sequences, ${steps} steps, ${Date.now() - t0} ms`);
  }
  console.log(
    `done: ${count} sequences requested, ${steps} steps compared, ${failed} differing, ${Date.now() - t0} ms`,
  );
} finally {
  await servers.stop();
}
process.exit(failed > 0 ? 1 : 0);
