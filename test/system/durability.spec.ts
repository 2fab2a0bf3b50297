/**
 * Durability of acknowledged writes: several real clients (node-zookeeper-client) stream creates,
 * setData and two-node multis at our member; it is killed with SIGKILL mid-stream and restarted.
 * Every write a client saw acknowledged must be there afterwards, and no multi is half-applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zookeeper from 'node-zookeeper-client';
import type { Ensemble } from '../support/ensemble.js';
import { NodeZkSession } from '../support/node-zk.js';
import { startRegistrar } from '../support/registrar-member.js';

interface Acked {
  creates: Map<string, string>;
  sets: Map<string, number>; // path -> highest acknowledged version
  multis: string[]; // prefix of an acknowledged pair
  attemptedMultis: string[];
}

async function writer(
  client: NodeZkSession,
  id: number,
  acked: Acked,
  stop: { now: boolean },
): Promise<void> {
  await client.create(`/d/w${id}`, '0').catch(() => undefined);
  for (let i = 0; !stop.now; i++) {
    try {
      if (i % 3 === 0) {
        const path = `/d/w${id}-c${i}`;
        await client.create(path, `v${i}`);
        acked.creates.set(path, `v${i}`);
      } else if (i % 3 === 1) {
        const stat = await client.setData(`/d/w${id}`, String(i));
        acked.sets.set(`/d/w${id}`, Math.max(stat.version, acked.sets.get(`/d/w${id}`) ?? 0));
      } else {
        const prefix = `/m/w${id}-${i}`;
        acked.attemptedMultis.push(prefix);
        await client.multi((t) => {
          t.create(
            `${prefix}-a`,
            Buffer.from('a'),
            zookeeper.ACL.OPEN_ACL_UNSAFE,
            zookeeper.CreateMode.PERSISTENT,
          );
          t.create(
            `${prefix}-b`,
            Buffer.from('b'),
            zookeeper.ACL.OPEN_ACL_UNSAFE,
            zookeeper.CreateMode.PERSISTENT,
          );
        });
        acked.multis.push(prefix);
      }
    } catch {
      return; // the member died under us: everything acknowledged so far is recorded
    }
  }
}

describe('acknowledged writes survive SIGKILL of the member', () => {
  let zk: Ensemble;
  beforeAll(async () => {
    zk = await startRegistrar({ tickTime: 500 });
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('keeps every acknowledged write and never half-applies a multi, across three kills', async () => {
    const acked: Acked = { creates: new Map(), sets: new Map(), multis: [], attemptedMultis: [] };
    const setup = await NodeZkSession.connect(zk.connectString);
    await setup.create('/d');
    await setup.create('/m');
    setup.client.close();

    for (let round = 0; round < 3; round++) {
      const clients = await Promise.all([0, 1, 2, 3].map(() => NodeZkSession.connect(zk.connectString)));
      const stop = { now: false };
      const writers = clients.map((c, k) => writer(c, round * 10 + k, acked, stop));
      await new Promise((r) => setTimeout(r, 1200 + round * 300));
      await zk.kill(0, 'SIGKILL');
      stop.now = true;
      await Promise.all(writers);
      for (const c of clients) c.client.close();
      await zk.restart(0);

      const check = await NodeZkSession.connect(zk.connectString);
      for (const [path, data] of acked.creates) {
        const got = await check.getData(path);
        expect(got.data, path).toBe(data);
      }
      for (const [path, version] of acked.sets) {
        const { stat } = await check.getData(path);
        expect(stat.version, path).toBeGreaterThanOrEqual(version);
      }
      for (const prefix of acked.attemptedMultis) {
        const a = await check.exists(`${prefix}-a`);
        const b = await check.exists(`${prefix}-b`);
        expect(a === null, `${prefix}: both or neither`).toBe(b === null);
        if (acked.multis.includes(prefix)) expect(a, prefix).not.toBeNull();
      }
      check.client.close();
    }
    // The stream must have been real for this to prove anything.
    expect(acked.creates.size).toBeGreaterThan(30);
    expect(acked.multis.length).toBeGreaterThan(30);
  });
});
