/**
 * Faults that need their own ensemble: a paused leader (SIGSTOP beyond syncLimit, then SIGCONT)
 * and a 5-member ensemble losing two members.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistrar } from '../support/registrar-member.js';
import type { Ensemble } from '../support/ensemble.js';
import { RawSession } from '../support/raw-session.js';
import {
  FAST,
  childrenOn,
  clientAll,
  clientOf,
  mntr,
  modes,
  sleep,
  waitFor,
  waitForLeader,
  waitForSameDigest,
} from './cluster-support.js';

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

describe('a leader paused beyond syncLimit', () => {
  let zk: Ensemble;
  beforeAll(async () => {
    zk = await startRegistrar({ members: 3, ...FAST });
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('steps down after SIGCONT and commits nothing alone; the others elected a leader meanwhile', async () => {
    const old = await waitForLeader(zk);
    const c = await clientAll(zk);
    await c.create('/pause', Buffer.alloc(0));
    await c.close();
    // A bare session on the old leader, with a long timeout so the new leader does not expire it
    // while we hold it; it sends nothing until the old leader is resumed.
    const { raw } = await RawSession.session(zk.members[old]!.clientPort, 20_000);
    try {
      await zk.kill(old, 'SIGSTOP');
      const others = [0, 1, 2].filter((i) => i !== old);
      const after = await waitFor(
        'a new leader among the two others',
        async () =>
          Promise.all(others.map((i) => mntr(zk.members[i]!).then((s) => s?.get('zk_server_state')))),
        (m) => m.includes('leader') && m.includes('follower'),
      );
      const newLeader = others[after.indexOf('leader')]!;
      const w = await clientOf(zk.members[newLeader]!);
      await w.create('/pause/during', Buffer.alloc(0));
      await w.close();
      // FAST.tickTime 400 x syncLimit 5 = 2 s; the pause lasts well beyond it.
      await sleep(3000);
      await zk.kill(old, 'SIGCONT');
      raw.request({ op: 'create', path: '/pause/alone', data: Buffer.from('x'), acl: OPEN_ACL, flags: 0 });
      const reply = await raw.reply(10_000);
      // Either the connection was dropped when it stepped down, or (never) an error; never an OK.
      expect(reply === undefined || reply.err !== 0).toBe(true);
      await waitFor(
        'the old leader to follow',
        () => modes(zk),
        (m) => m[old] === 'follower' && m.filter((x) => x === 'leader').length === 1,
      );
      for (const m of zk.members) expect(await childrenOn(m, '/pause')).toEqual(['during']);
      await waitForSameDigest(zk);
    } finally {
      raw.close();
    }
  });
});

describe('5-member Registrar ensemble', () => {
  let zk: Ensemble;
  beforeAll(async () => {
    zk = await startRegistrar({ members: 5, ...FAST });
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('still serves reads and writes with two members killed (one of them the leader)', async () => {
    const leader = await waitForLeader(zk);
    const c = await clientAll(zk);
    await c.create('/five', Buffer.alloc(0));
    await c.close();
    await zk.kill(leader, 'SIGKILL');
    await zk.kill((leader + 1) % 5, 'SIGKILL');
    const survivor = await waitForLeader(zk);
    expect(survivor).not.toBe(leader);
    const w = await clientAll(zk);
    try {
      for (let i = 0; i < 20; i++) await w.create(`/five/n${i}`, Buffer.alloc(0));
    } finally {
      await w.close();
    }
    for (const m of zk.members.filter((x) => x.running))
      expect((await childrenOn(m, '/five')).length).toBe(20);
    await waitForSameDigest(zk);
  });
});
