/** Barrier and DoubleBarrier across sessions. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Barrier, DoubleBarrier, RecipeTimeoutError } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, sleep } from '../client/helpers.js';

describeEachTarget('Barrier and DoubleBarrier', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();

  beforeAll(async () => {
    zk = await target.start();
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('waiters block while the barrier is up and all pass when it is removed', async () => {
    const path = '/recipes/barrier/gate';
    const owner = new Barrier(await pool.open(zk.connectString), path);
    await owner.setBarrier();
    await owner.setBarrier(); // idempotent
    const waiters = await Promise.all(
      Array.from({ length: 3 }, async () => new Barrier(await pool.open(zk.connectString), path)),
    );
    const passed: number[] = [];
    const all = waiters.map((w, i) => w.waitOnBarrier({ timeoutMs: 10_000 }).then(() => passed.push(i)));
    await sleep(200);
    expect(passed).toEqual([]);
    await expect(waiters[0]!.waitOnBarrier({ timeoutMs: 100 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    await owner.removeBarrier();
    await Promise.all(all);
    expect(passed.sort()).toEqual([0, 1, 2]);
    await waiters[0]!.waitOnBarrier({ timeoutMs: 100 }); // down: passes at once
  });

  it('double barrier: nobody starts before all entered, nobody finishes leaving before all left', async () => {
    const path = '/recipes/barrier/double';
    const members = await Promise.all(
      ['m1', 'm2', 'm3'].map(
        async (id) => new DoubleBarrier(await pool.open(zk.connectString), path, 3, { id }),
      ),
    );
    const entered: string[] = [];
    const e1 = members[0]!.enter({ timeoutMs: 10_000 }).then(() => entered.push('m1'));
    const e2 = members[1]!.enter({ timeoutMs: 10_000 }).then(() => entered.push('m2'));
    await sleep(200);
    expect(entered).toEqual([]);
    await members[2]!.enter({ timeoutMs: 10_000 });
    await Promise.all([e1, e2]);
    expect(entered.sort()).toEqual(['m1', 'm2']);

    const left: string[] = [];
    const l1 = members[0]!.leave({ timeoutMs: 10_000 }).then(() => left.push('m1'));
    const l3 = members[2]!.leave({ timeoutMs: 10_000 }).then(() => left.push('m3'));
    await sleep(200);
    expect(left).toEqual([]);
    await members[1]!.leave({ timeoutMs: 10_000 });
    await Promise.all([l1, l3]);
    expect(left.sort()).toEqual(['m1', 'm3']);
    const c = await pool.open(zk.connectString);
    expect(await c.getChildren(path)).toEqual([]);
  });

  it('double barrier enter times out and withdraws when too few arrive', async () => {
    const path = '/recipes/barrier/short';
    const lonely = new DoubleBarrier(await pool.open(zk.connectString), path, 2, { id: 'lonely' });
    await expect(lonely.enter({ timeoutMs: 300 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    const c = await pool.open(zk.connectString);
    expect(await c.getChildren(path)).toEqual([]);
  });
});
