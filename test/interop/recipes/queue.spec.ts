/** DistributedQueue: FIFO for one consumer, every item to exactly one of several consumers. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DistributedQueue, RecipeTimeoutError } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, sleep } from '../client/helpers.js';

describeEachTarget('DistributedQueue', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();
  const queue = async (path: string) => new DistributedQueue(await pool.open(zk.connectString), path);

  beforeAll(async () => {
    zk = await target.start();
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('FIFO for a single consumer; poll on empty is undefined', async () => {
    const q = await queue('/recipes/queue/fifo');
    expect(await q.poll()).toBeUndefined();
    for (let i = 0; i < 20; i++) await q.put(`item-${i}`);
    expect(await q.size()).toBe(20);
    const got: string[] = [];
    for (let i = 0; i < 20; i++) got.push((await q.take({ timeoutMs: 1000 })).toString());
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `item-${i}`));
    expect(await q.poll()).toBeUndefined();
  });

  it('take blocks until a put from another session, and times out when nothing comes', async () => {
    const path = '/recipes/queue/block';
    const consumer = await queue(path);
    const producer = await queue(path);
    await expect(consumer.take({ timeoutMs: 200 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    const taken = consumer.take({ timeoutMs: 5000 });
    await sleep(100);
    await producer.put('late');
    expect((await taken).toString()).toBe('late');
  });

  it('2 producers, 3 consumers: every item delivered exactly once', async () => {
    const path = '/recipes/queue/many';
    const producers = [await queue(path), await queue(path)];
    const consumers = [await queue(path), await queue(path), await queue(path)];
    const PER = 60;
    const received: string[] = [];
    let done = false;
    const consuming = consumers.map(async (c) => {
      while (!done || (await c.size()) > 0) {
        try {
          received.push((await c.take({ timeoutMs: 300 })).toString());
        } catch (e) {
          if (!(e instanceof RecipeTimeoutError)) throw e;
        }
      }
    });
    await Promise.all(
      producers.map(async (p, i) => {
        for (let k = 0; k < PER; k++) await p.put(`p${i}-${k}`);
      }),
    );
    done = true;
    await Promise.all(consuming);
    expect(received).toHaveLength(2 * PER);
    expect(new Set(received).size).toBe(2 * PER);
    // Nothing lost or duplicated per producer.
    for (const p of ['p0', 'p1']) {
      const mine = received.filter((r) => r.startsWith(`${p}-`)).map((r) => Number(r.split('-')[1]));
      expect(mine.sort((a, b) => a - b)).toEqual(Array.from({ length: PER }, (_, k) => k));
    }
  });
});
