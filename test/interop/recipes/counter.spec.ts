/** SharedCounter: CAS increments from many sessions are never lost; stale versions are refused. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SharedCounter } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool } from '../client/helpers.js';

describeEachTarget('SharedCounter', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();

  beforeAll(async () => {
    zk = await target.start();
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('5 sessions x 40 increments: final 200 and every increment saw a distinct value', async () => {
    const path = '/recipes/counter/seats';
    const counters = await Promise.all(
      Array.from({ length: 5 }, async () => new SharedCounter(await pool.open(zk.connectString), path)),
    );
    for (const c of counters) await c.start();
    const seen: number[] = [];
    await Promise.all(
      counters.map(async (c) => {
        for (let k = 0; k < 40; k++) seen.push(await c.add(1));
      }),
    );
    const final = await counters[0]!.get();
    expect(final.value).toBe(200);
    expect(final.version).toBe(200);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('trySet refuses a stale version; the value is a 4-byte big-endian int (Curator SharedCount)', async () => {
    const path = '/recipes/counter/cas';
    const client = await pool.open(zk.connectString);
    const c = new SharedCounter(client, path, 7);
    await c.start();
    const v0 = await c.get();
    expect(v0).toEqual({ value: 7, version: 0 });
    expect(await c.trySet(v0, 8)).toBe(true);
    expect(await c.trySet(v0, 9)).toBe(false);
    expect((await c.get()).value).toBe(8);
    expect((await client.getData(path)).data).toEqual(Buffer.from([0, 0, 0, 8]));
    await c.add(-10);
    expect((await client.getData(path)).data.readInt32BE(0)).toBe(-2);
  });
});
