/** Semaphore: never more than N leases; timeouts clean up; an expired holder's lease is freed. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FaultInjectingClient } from '../../../libs/coordination/src/testing/fault-injecting-client.js';
import { RecipeTimeoutError, Semaphore } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, sleep } from '../client/helpers.js';

describeEachTarget('Semaphore', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();

  beforeAll(async () => {
    zk = await target.start({ tickTime: 250 });
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('8 sessions share 3 leases: at most 3 at once, and 3 are used', async () => {
    const path = '/recipes/sem/three';
    const sems = await Promise.all(
      Array.from({ length: 8 }, async () => new Semaphore(await pool.open(zk.connectString), path, 3)),
    );
    let inside = 0;
    let max = 0;
    let total = 0;
    await Promise.all(
      sems.map(async (s) => {
        for (let k = 0; k < 15; k++) {
          const lease = await s.acquire({ timeoutMs: 20_000 });
          inside++;
          total++;
          max = Math.max(max, inside);
          await sleep(30); // long enough for the other sessions to queue up
          inside--;
          await lease.release();
          await lease.release(); // idempotent
        }
      }),
    );
    console.log(`[${target.name}] semaphore: ${total} leases, max concurrent ${max}`);
    expect(total).toBe(120);
    expect(max).toBe(3);
    expect(await sems[0]!.leaseHolders()).toEqual([]);
  });

  it('a timed-out acquire leaves no lease node and does not block the lock queue', async () => {
    const path = '/recipes/sem/timeout';
    const a = new Semaphore(await pool.open(zk.connectString), path, 1);
    const b = new Semaphore(await pool.open(zk.connectString), path, 1);
    const lease = await a.acquire();
    await expect(b.acquire({ timeoutMs: 300 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    expect(await a.leaseHolders()).toHaveLength(1);
    const c = await pool.open(zk.connectString);
    expect(await c.getChildren(`${path}/locks`)).toEqual([]);
    const pending = b.acquire({ timeoutMs: 5000 });
    await lease.release();
    const second = await pending;
    expect(second.fencingToken).toBeGreaterThan(lease.fencingToken);
    await second.release();
  });

  it('a holder whose session expires gives its lease back to a waiter', async () => {
    const path = '/recipes/sem/expire';
    const doomed = await FaultInjectingClient.connect(zk.connectString, { sessionTimeout: 1000 });
    await new Semaphore(doomed, path, 1).acquire();
    const waiter = new Semaphore(await pool.open(zk.connectString), path, 1);
    const pending = waiter.acquire({ timeoutMs: 15_000 });
    doomed.pauseHeartbeat();
    const lease = await pending;
    expect(await waiter.leaseHolders()).toEqual([lease.path.slice(`${path}/leases/`.length)]);
    await lease.release();
    await doomed.close();
  });
});
