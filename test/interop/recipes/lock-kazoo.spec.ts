/**
 * Our Lock and kazoo's Lock on one path exclude each other. kazoo 2.8 counts only children matching
 * `(?:<markers>)(-?\d{10})$` as contenders, default marker "__lock__": it sees our Curator-style
 * "_c_<uuid>-lock-<seq>" nodes only with `extra_lock_patterns=["-lock-"]` (the probe below shows
 * both sides of that). Our Lock counts kazoo's "__lock__" nodes by default.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Lock, RecipeTimeoutError } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { DEBIAN_PYTHON, KAZOO_SCRIPTS_DIR, runKazooScript } from '../../support/kazoo.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool } from '../client/helpers.js';
import { checkLockLogFile } from './lock-log.js';
import { killAllWorkers, spawnWorker } from './lock-spawn-worker.js';

const SCRIPT = 'kazoo_lock_interop.py';

describeEachTarget('Lock interop with kazoo', (target) => {
  let zk: Ensemble;
  let dir: string;
  const pool = new ClientPool();

  beforeAll(async () => {
    zk = await target.start();
    dir = mkdtempSync(join(tmpdir(), 'lock-kazoo-'));
  });
  afterAll(async () => {
    await killAllWorkers();
    await pool.closeAll();
    await zk?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('kazoo honours our node only with extra_lock_patterns=["-lock-"]', async () => {
    const path = '/recipes/kazoo/probe';
    const lock = new Lock(await pool.open(zk.connectString), path);
    await lock.acquire();
    const { summary } = await runKazooScript(SCRIPT, zk.connectString, ['probe', path]);
    expect(summary).toEqual({ withPatterns: false, withoutPatterns: true });
    await lock.release();
  });

  it("our Lock waits for kazoo's holder and gets a higher token after it releases", async () => {
    const path = '/recipes/kazoo/hold';
    const py = spawn(DEBIAN_PYTHON, [SCRIPT, zk.connectString, 'hold', path], {
      cwd: KAZOO_SCRIPTS_DIR,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => py.once('exit', resolve));
    try {
      const lines = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
      const held = JSON.parse((await lines.next()).value as string) as { token: number; node: string };
      expect(held.node).toMatch(/^[0-9a-f]{32}__lock__\d{10}$/);
      const lock = new Lock(await pool.open(zk.connectString), path);
      await expect(lock.acquire({ timeoutMs: 500 })).rejects.toBeInstanceOf(RecipeTimeoutError);
      const pending = lock.acquire({ timeoutMs: 10_000 });
      py.stdin!.write('\n');
      const got = await pending;
      expect(got.fencingToken).toBeGreaterThan(held.token);
      expect(JSON.parse((await lines.next()).value as string)).toEqual({ event: 'released' });
      await lock.release();
      expect(await exited).toBe(0);
    } finally {
      if (py.exitCode === null && py.pid !== undefined) process.kill(py.pid, 'SIGKILL');
    }
  });

  it('a Python process and a Node process contending never hold at once', async () => {
    const path = '/recipes/kazoo/contend';
    const logFile = join(dir, 'mixed.log');
    const deadlineAt = Date.now() + 40_000;
    const node = spawnWorker('./lock-worker.ts', {
      connectString: zk.connectString,
      lockPath: path,
      logFile,
      clients: 2,
      perClient: 150,
      deadlineAt,
      name: 'node',
    });
    const py = runKazooScript<{ acquired: number; errors: string[] }>(
      SCRIPT,
      zk.connectString,
      ['contend', path, logFile, '2', '150', String(deadlineAt / 1000)],
      60_000,
    );
    const [code, { summary }] = await Promise.all([node.exited, py]);
    expect(code, node.stderr()).toBe(0);
    expect(summary.errors).toEqual([]);
    const nodeSummary = JSON.parse(node.lines.at(-1)!) as { acquired: number };
    const report = checkLockLogFile(logFile);
    console.log(
      `[${target.name}] kazoo ${summary.acquired} + ours ${nodeSummary.acquired} acquisitions; ` +
        `hand-offs between holders ${report.handOffsBetweenWhos}; by holder ${JSON.stringify(report.byWho)}`,
    );
    expect(report.enters).toBe(summary.acquired + nodeSummary.acquired);
    expect(summary.acquired).toBeGreaterThan(50);
    expect(nodeSummary.acquired).toBeGreaterThan(50);
    expect(report.overlaps).toEqual([]);
    expect(report.nonIncreasing).toEqual([]);
    // They really interleaved (not one side finishing before the other started).
    const pyEnters = report.byWho['py.0']! + report.byWho['py.1']!;
    expect(pyEnters).toBe(summary.acquired);
    expect(report.handOffsBetweenWhos).toBeGreaterThan(100);
  });
});
