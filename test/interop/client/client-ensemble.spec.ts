import { afterAll, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { EventType } from '../../../libs/coordination/src/protocol/constants.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, recordStates, recorder, until } from './helpers.js';

describeEachTarget(
  'client in a 3-member ensemble',
  (target) => {
    let zk: Ensemble;
    const pool = new ClientPool();

    beforeAll(async () => {
      zk = await target.start({ members: 3, tickTime: 500 });
    });
    afterAll(async () => {
      await pool.closeAll();
      await zk?.stop();
    });

    it('moves to another member when its member dies; session, ephemerals and watches survive', async () => {
      const c = await pool.open(zk.connectString, { sessionTimeout: 10_000 });
      const sid = c.sessionId;
      // Its own path per attempt, so a retry of this test runs it again instead of failing on NodeExists.
      const path = `/move-${Date.now()}`;
      await c.create(path, 'a');
      await c.create(`${path}/eph`, '', { mode: 'ephemeral' });
      const w = recorder();
      await c.getData(path, w.listener);
      const states = recordStates(c);

      const port = Number(c.connectedHost!.split(':').pop());
      const victim = zk.members.findIndex((m) => m.clientPort === port);
      expect(victim).toBeGreaterThanOrEqual(0);
      await zk.kill(victim, 'SIGKILL');
      // Read the recorded states, not the current one: by the time the kill is confirmed the client
      // may be back on a survivor. The two survivors may need a leader election first; the client
      // keeps rotating hosts meanwhile, well inside its 10 s session.
      const seen = () => `client ${c.state}, states seen: ${states.join(' ') || 'none'}`;
      await until(() => states.includes('DISCONNECTED'), 'the client to see its member go', 15_000, seen);
      await until(
        () => c.state === 'CONNECTED' && states.lastIndexOf('CONNECTED') > states.indexOf('DISCONNECTED'),
        'the client to reconnect',
        30_000,
        seen,
      );
      expect(c.sessionId).toBe(sid);
      const newPort = Number(c.connectedHost!.split(':').pop());
      expect(newPort).not.toBe(port);
      expect(states.slice(0, 2)).toEqual(['DISCONNECTED', 'CONNECTED']);

      const survivor = zk.members.find((m, i) => i !== victim && m.clientPort !== newPort)!;
      const other = await pool.open(`127.0.0.1:${survivor.clientPort}`);
      expect((await other.exists(`${path}/eph`))?.ephemeralOwner).toBe(sid);
      await other.setData(path, 'b');
      await until(() => w.events.length === 1, 'data watch re-registered on the new member');
      expect(w.events[0]).toMatchObject({ type: EventType.NodeDataChanged, path });
      // lastZxidSeen travelled along: the new member never serves us an older view.
      await c.sync('/');
      expect((await c.getData(path)).data.toString()).toBe('b');
    }, 90_000);

    it('shuffles hosts: clients spread over members', async () => {
      const ports = new Set<string>();
      const clients: ZooKeeperClient[] = [];
      for (let i = 0; i < 8; i++) {
        const c = await pool.open(zk.connectString);
        clients.push(c);
        ports.add(c.connectedHost!);
      }
      expect(ports.size).toBeGreaterThan(1);
    });
  },
  { needs: ['ensemble'] },
);
