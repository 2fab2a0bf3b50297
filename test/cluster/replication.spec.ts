/**
 * Three real members on loopback: replication through every member, follower crash and catch-up
 * (DIFF after many writes, SNAP after a wiped data dir), leader crash under concurrent writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistrar } from '../support/registrar-member.js';
import type { Ensemble } from '../support/ensemble.js';
import type { ZooKeeperClient } from '../../libs/coordination/src/client/zookeeper-client.js';
import { RawSession } from '../support/raw-session.js';
import {
  FAST,
  sleep,
  childrenOn,
  clientAll,
  clientOf,
  mntr,
  modes,
  waitForLeader,
  waitForSameDigest,
  wipeData,
} from './cluster-support.js';

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

describe('3-member Registrar ensemble', () => {
  let zk: Ensemble;
  beforeAll(async () => {
    // A small DIFF window, so that "far behind" (SNAP) is cheap to reach.
    zk = await startRegistrar({ members: 3, ...FAST, extra: { 'zookeeper.commitLogCount': 200 } });
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('elects one leader; a write through each member is read through every other after sync', async () => {
    await waitForLeader(zk);
    expect((await modes(zk)).sort()).toEqual(['follower', 'follower', 'leader']);
    const clients: ZooKeeperClient[] = [];
    try {
      for (const m of zk.members) clients.push(await clientOf(m));
      await clients[0]!.create('/rep', Buffer.from('root'));
      for (let i = 0; i < 3; i++) await clients[i]!.create(`/rep/from-${i}`, Buffer.from(`m${i}`));
      for (let i = 0; i < 3; i++) {
        const reader = clients[(i + 1) % 3]!;
        await reader.sync('/rep');
        expect((await reader.getData(`/rep/from-${i}`)).data.toString()).toBe(`m${i}`);
      }
      // a sequential create through a follower gets the leader's counter
      const a = await clients[1]!.create('/rep/seq-', Buffer.alloc(0), { mode: 'persistent_sequential' });
      const b = await clients[2]!.create('/rep/seq-', Buffer.alloc(0), { mode: 'persistent_sequential' });
      expect([a.path, b.path]).toEqual(['/rep/seq-0000000003', '/rep/seq-0000000004']);
    } finally {
      for (const c of clients) await c.close();
    }
    await waitForSameDigest(zk);
  });

  it('kill -9 of a follower: writes go on; restarted after many writes it catches up by DIFF', async () => {
    const leader = await waitForLeader(zk);
    const f = (leader + 1) % 3;
    await zk.kill(f, 'SIGKILL');
    const c = await clientOf(zk.members[leader]!);
    try {
      await c.create('/diff', Buffer.alloc(0));
      for (let i = 0; i < 100; i++) await c.create(`/diff/n${i}`, Buffer.from(String(i)));
    } finally {
      await c.close();
    }
    await zk.restart(f);
    await waitForLeader(zk);
    expect((await childrenOn(zk.members[f]!, '/diff')).length).toBe(100);
    const s = await mntr(zk.members[f]!);
    expect(s?.get('zk_sync_snapshots_installed')).toBe('0');
    await waitForSameDigest(zk);
  });

  it('a member restarted with its data dir wiped catches up by SNAP', async () => {
    const leader = await waitForLeader(zk);
    const f = (leader + 2) % 3;
    await zk.kill(f, 'SIGKILL');
    wipeData(zk.members[f]!);
    const c = await clientOf(zk.members[leader]!);
    try {
      await c.create('/snap', Buffer.alloc(0));
      // more than the leader's DIFF window (200): the wiped member can only be sent a snapshot
      const ops = [];
      for (let i = 0; i < 300; i++) ops.push(c.create(`/snap/n${i}`, Buffer.from(String(i))));
      await Promise.all(ops);
    } finally {
      await c.close();
    }
    await zk.restart(f);
    await waitForLeader(zk);
    expect((await childrenOn(zk.members[f]!, '/snap')).length).toBe(300);
    expect((await childrenOn(zk.members[f]!, '/diff')).length).toBe(100);
    const s = await mntr(zk.members[f]!);
    expect(Number(s?.get('zk_sync_snapshots_installed'))).toBeGreaterThanOrEqual(1);
    await waitForSameDigest(zk);
  });

  it('sessions on a follower: kept alive by touches forwarded to the leader, expired by the leader when silent', async () => {
    const leader = await waitForLeader(zk);
    const f = zk.members[(leader + 1) % 3]!;
    // a live client (it pings) with the shortest timeout, and a silent raw session, both on a follower
    const live = await clientOf(f, 2000);
    const { raw } = await RawSession.session(f.clientPort, 2000);
    try {
      await live.create('/sess', Buffer.alloc(0));
      await live.create('/sess/live', Buffer.alloc(0), { mode: 'ephemeral' });
      const r = await raw.call({ op: 'create', path: '/sess/silent', data: null, acl: OPEN_ACL, flags: 1 });
      expect(r?.err).toBe(0);
      // well past the 2 s timeout: only the leader expires sessions, and it only hears of the live
      // one's pings through the follower's forwarded touches
      await sleep(5000);
      for (const m of zk.members) expect(await childrenOn(m, '/sess')).toEqual(['live']);
      expect(await raw.closedWithin(1000)).toBe(true);
    } finally {
      raw.close();
      await live.close();
    }
    for (const m of zk.members) expect(await childrenOn(m, '/sess')).toEqual([]);
  });

  it('kill -9 of the leader under concurrent writers: no acknowledged write lost, a new leader takes writes', async () => {
    await waitForLeader(zk);
    const setup = await clientAll(zk);
    await setup.create('/load', Buffer.alloc(0));
    await setup.close();
    const acked = new Set<string>();
    let stop = false;
    let killed = false;
    const writer = async (w: number) => {
      const c = await clientAll(zk, 8000);
      let n = 0;
      let afterKill = 0;
      try {
        while (!stop) {
          const name = `w${w}-${n++}`;
          try {
            await c.create(`/load/${name}`, Buffer.from(name));
            acked.add(name);
            if (killed) afterKill++;
            if (afterKill >= 20) break;
          } catch {
            // connection loss while the leader is gone: the write may or may not have committed
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      } finally {
        await c.close();
      }
      return afterKill;
    };
    const writers = [0, 1, 2].map(writer);
    await new Promise((r) => setTimeout(r, 1500));
    // whoever leads now, under load (not whoever led before the writers started)
    const leader = await waitForLeader(zk);
    const before = acked.size;
    await zk.kill(leader, 'SIGKILL');
    killed = true;
    const t0 = Date.now();
    const timer = setTimeout(() => (stop = true), 45_000);
    const afterKill = await Promise.all(writers);
    clearTimeout(timer);
    stop = true;
    console.log(
      `leader ${leader + 1} killed after ${before} acked writes; ${acked.size} acked in all; writers resumed within ${Date.now() - t0} ms`,
    );
    expect(before).toBeGreaterThan(0);
    expect(afterKill.every((n) => n >= 20)).toBe(true);
    const newLeader = await waitForLeader(zk);
    expect(newLeader).not.toBe(leader);
    await zk.restart(leader);
    await waitForLeader(zk);
    for (const m of zk.members) {
      const present = new Set(await childrenOn(m, '/load'));
      const missing = [...acked].filter((n) => !present.has(n));
      expect(missing, `member ${m.id} lacks acknowledged writes`).toEqual([]);
    }
    await waitForSameDigest(zk);
  });
});
