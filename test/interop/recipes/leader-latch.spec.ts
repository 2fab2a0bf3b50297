/** LeaderLatch: one leader, immediate hand-off on close, loss on expiry, step down while disconnected. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { FaultInjectingClient } from '../../../libs/coordination/src/testing/fault-injecting-client.js';
import { LeaderLatch, RecipeTimeoutError } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, until } from '../client/helpers.js';

describeEachTarget('LeaderLatch', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();
  /** negotiated session timeouts, one per latch made */
  const sessionMs: number[] = [];
  const latch = async (path: string, id: string) => {
    const client = await pool.open(zk.connectString);
    sessionMs.push(client.sessionTimeout);
    return new LeaderLatch(client, path, { id });
  };

  beforeAll(async () => {
    zk = await target.start({ tickTime: 250 });
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('exactly one leader; close hands over at once, in join order', async () => {
    const path = '/recipes/latch/order';
    const latches = [await latch(path, 'a'), await latch(path, 'b'), await latch(path, 'c')];
    for (const l of latches) await l.start();
    expect(latches.map((l) => l.isLeader)).toEqual([true, false, false]);
    expect(await latches[0]!.participants()).toEqual(['a', 'b', 'c']);
    const t0 = Date.now();
    await latches[0]!.close();
    await latches[1]!.awaitLeadership({ timeoutMs: 2000 });
    // Handed over by the close's delete, not by the old session expiring: well inside its timeout.
    expect(Date.now() - t0).toBeLessThan(Math.min(...sessionMs) / 2);
    expect(latches.map((l) => l.isLeader)).toEqual([false, true, false]);
    await expect(latches[2]!.awaitLeadership({ timeoutMs: 200 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    // The middle one leaving must not disturb the leader, and c now follows the leader.
    await latches[1]!.close();
    await latches[2]!.awaitLeadership({ timeoutMs: 2000 });
    await latches[2]!.close();
  });

  it("the leader's session expiring: it reports 'lost', the next one leads", async () => {
    const path = '/recipes/latch/expire';
    const doomedClient = await FaultInjectingClient.connect(zk.connectString, { sessionTimeout: 1000 });
    const doomed = new LeaderLatch(doomedClient, path, { id: 'doomed' });
    const events: string[] = [];
    doomed.on('leader', () => events.push('leader'));
    doomed.on('follower', () => events.push('follower'));
    doomed.on('lost', () => events.push('lost'));
    await doomed.start();
    const next = await latch(path, 'next');
    await next.start();
    expect(next.isLeader).toBe(false);
    doomedClient.pauseHeartbeat();
    await next.awaitLeadership({ timeoutMs: 15_000 });
    await until(() => events.includes('lost'), "doomed latch reports 'lost'");
    expect(events).toEqual(['leader', 'follower', 'lost']);
    expect(doomed.isLeader).toBe(false);
    await next.close();
    await doomedClient.close();
  });

  it('with a clientFactory, an expired latch rejoins on a new session at the back of the queue', async () => {
    const path = '/recipes/latch/rejoin';
    const first = await FaultInjectingClient.connect(zk.connectString, { sessionTimeout: 1000 });
    const made: ZooKeeperClient[] = [];
    const phoenix = new LeaderLatch(first, path, {
      id: 'phoenix',
      clientFactory: async () => {
        const c = await ZooKeeperClient.connect(zk.connectString, { sessionTimeout: 5000 });
        made.push(c);
        return c;
      },
    });
    const events: string[] = [];
    for (const e of ['leader', 'follower', 'lost', 'rejoined'] as const) phoenix.on(e, () => events.push(e));
    await phoenix.start();
    const other = await latch(path, 'other');
    await other.start();
    first.pauseHeartbeat();
    await other.awaitLeadership({ timeoutMs: 15_000 });
    await until(() => events.includes('rejoined'), 'rejoined on a new session', 15_000);
    expect(events).toEqual(['leader', 'follower', 'rejoined']);
    expect(made).toHaveLength(1);
    expect(await other.participants()).toEqual(['other', 'phoenix']);
    await other.close();
    await phoenix.awaitLeadership({ timeoutMs: 2000 });
    await phoenix.close();
    expect(made[0]!.state).toBe('CLOSED'); // the latch closes the clients it made
    await first.close();
  });

  it('steps down while disconnected and leads again after reconnecting with the same session', async () => {
    const path = '/recipes/latch/blip';
    const client = await pool.open(zk.connectString, { sessionTimeout: 5000 });
    const l = new LeaderLatch(client, path, { id: 'solo' });
    const events: string[] = [];
    l.on('leader', () => events.push('leader'));
    l.on('follower', () => events.push('follower'));
    await l.start();
    client.dropConnection();
    await until(() => events.length >= 3, 'leader again after the blip');
    expect(events).toEqual(['leader', 'follower', 'leader']);
    await l.close();
    expect(events).toEqual(['leader', 'follower', 'leader', 'follower']);
    expect(await client.getChildren(path)).toEqual([]);
  });
});
