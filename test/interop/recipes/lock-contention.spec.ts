/**
 * 4 processes x 5 sessions fight for one Lock for thousands of acquisitions. Every holder logs
 * enter/exit to one O_APPEND file; replaying it proves mutual exclusion and strictly increasing
 * fencing tokens. Watch events are counted per watched node: each release wakes exactly one waiter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { checkLockLog, checkLockLogFile } from './lock-log.js';
import { killAllWorkers, spawnWorker } from './lock-spawn-worker.js';

const PROCESSES = 4;
const CLIENTS_PER_PROCESS = 5;
const PER_CLIENT = 250; // 5,000 acquisitions in all
const BUDGET_MS = 45_000;

describe('lock log checker', () => {
  it('detects overlap and non-increasing tokens', () => {
    const r = checkLockLog('enter 5 a\nenter 6 b\nexit 5 a\nexit 6 b\nenter 4 c\nexit 4 c\n');
    expect(r.overlaps.length).toBeGreaterThan(0);
    expect(r.nonIncreasing).toEqual(['enter 4 c after token 6']);
    expect(checkLockLog('enter 1 a\nexit 1 a\nenter 2 b\nexit 2 b\n')).toMatchObject({
      overlaps: [],
      nonIncreasing: [],
      enters: 2,
    });
  });
});

describeEachTarget('Lock contention (4 processes x 5 sessions)', (target) => {
  let zk: Ensemble;
  let dir: string;

  beforeAll(async () => {
    zk = await target.start();
    dir = mkdtempSync(join(tmpdir(), 'lock-contention-'));
  });
  afterAll(async () => {
    await killAllWorkers();
    await zk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('never two holders, tokens strictly increase, one wake per release', async () => {
    const logFile = join(dir, 'lock.log');
    const started = Date.now();
    const workers = Array.from({ length: PROCESSES }, (_, p) =>
      spawnWorker('./lock-worker.ts', {
        connectString: zk.connectString,
        lockPath: '/recipes/contention/lock',
        logFile,
        clients: CLIENTS_PER_PROCESS,
        perClient: PER_CLIENT,
        deadlineAt: started + BUDGET_MS,
        name: `p${p}`,
      }),
    );
    const codes = await Promise.all(workers.map((w) => w.exited));
    const elapsed = Date.now() - started;
    expect(codes, workers.map((w) => w.stderr()).join('\n')).toEqual(workers.map(() => 0));

    const summaries = workers.map(
      (w) =>
        JSON.parse(w.lines.at(-1)!) as { acquired: number; waits: number; wakes: Record<string, number> },
    );
    const acquired = summaries.reduce((n, s) => n + s.acquired, 0);
    const waits = summaries.reduce((n, s) => n + s.waits, 0);
    const wakesPerNode: Record<string, number> = {};
    for (const s of summaries)
      for (const [k, v] of Object.entries(s.wakes)) wakesPerNode[k] = (wakesPerNode[k] ?? 0) + v;
    const wakeCounts = Object.values(wakesPerNode);
    const totalWakes = wakeCounts.reduce((a, b) => a + b, 0);

    const report = checkLockLogFile(logFile);
    console.log(
      `[${target.name}] ${acquired} acquisitions by ${PROCESSES * CLIENTS_PER_PROCESS} sessions in ${elapsed} ms ` +
        `(${Math.round((acquired * 1000) / elapsed)}/s); waits ${waits}, wakes ${totalWakes} over ${wakeCounts.length} released nodes, ` +
        `max wakes per release ${Math.max(0, ...wakeCounts)}; hand-offs between sessions ${report.handOffsBetweenWhos}`,
    );

    expect(acquired).toBeGreaterThanOrEqual(1000);
    expect(report.enters).toBe(acquired);
    expect(report.exits).toBe(acquired);
    expect(report.overlaps).toEqual([]);
    expect(report.nonIncreasing).toEqual([]);
    expect(Object.keys(report.byWho)).toHaveLength(PROCESSES * CLIENTS_PER_PROCESS);
    // Real contention: most acquisitions had to queue behind another session.
    expect(waits).toBeGreaterThan(acquired / 2);
    // No herd: every released node woke exactly one waiter, and no waiter was woken for nothing
    // (every wait ended with exactly one wake, since nobody timed out).
    expect(Math.max(...wakeCounts)).toBe(1);
    expect(totalWakes).toBe(waits);
  });
});
