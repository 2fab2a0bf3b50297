/**
 * Three coordinator members in the test process, a real ensemble over loopback quorum links:
 * writes through followers, sync + read through another member, failover of the leader with
 * every acknowledged write kept, and sequence numbers handed out once across members.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../client/zookeeper-client.js';
import { ConnectionLossError } from '../protocol/errors.js';
import { InProcessEnsemble } from './testing/in-process-ensemble.js';

const open: { ens: InProcessEnsemble[]; clients: ZooKeeperClient[] } = { ens: [], clients: [] };
afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((c) => c.close().catch(() => {})));
  for (const e of open.ens.splice(0)) {
    expect(e.fatalErrors).toEqual([]);
    await e.close();
  }
});

async function ensemble(): Promise<InProcessEnsemble> {
  const ens = await InProcessEnsemble.start({ members: 3 });
  open.ens.push(ens);
  return ens;
}

async function clientOf(ens: InProcessEnsemble, members: number[]): Promise<ZooKeeperClient> {
  const zk = await ZooKeeperClient.connect(ens.connectString(members), {
    sessionTimeout: 10_000,
    clientSideExpiry: false,
  });
  open.clients.push(zk);
  return zk;
}

const followers = (ens: InProcessEnsemble) => [0, 1, 2].filter((i) => ens.servers[i]?.mode() === 'follower');

/** Waits until every running member applied the same last zxid, then returns their digests. */
async function convergedDigests(ens: InProcessEnsemble): Promise<string[]> {
  const running = () => ens.servers.filter((s) => s !== undefined);
  await ens.waitUntil(
    () => new Set(running().map((s) => s.member.lastZxid)).size === 1,
    'members to apply the same last zxid',
  );
  return running().map((s) => s.member.db.tree.digest());
}

describe('in-process ensemble of three', () => {
  it('a write through one follower is read after sync through the other, and all members converge', async () => {
    const ens = await ensemble();
    const [a, b] = followers(ens);
    const writer = await clientOf(ens, [a!]);
    const reader = await clientOf(ens, [b!]);
    await writer.create('/x', '0');
    for (let i = 1; i <= 20; i++) {
      await writer.setData('/x', String(i));
      await reader.sync('/x');
      expect((await reader.getData('/x')).data.toString()).toBe(String(i));
    }
    const digests = await convergedDigests(ens);
    expect(new Set(digests).size).toBe(1);
  });

  it("mntr's tree digest on a big tree comes from a build in slices: absent at first, then the ensemble's common value", async () => {
    const ens = await ensemble();
    const zk = await clientOf(ens, [0, 1, 2]);
    await zk.create('/bulk', '');
    // 12,000 znodes: more than two slices of the build (DIGEST_SLICE_NODES).
    for (let b = 0; b < 24; b++) {
      await zk.multi(
        Array.from({ length: 500 }, (_, i) => ({
          type: 'create' as const,
          path: `/bulk/n${b * 500 + i}`,
          data: 'v',
        })),
      );
    }
    const sameZxid = () => new Set(ens.servers.map((s) => s!.member.lastZxid)).size === 1;
    await ens.waitUntil(sameZxid, 'members to apply the same last zxid');
    const f = followers(ens)[0]!;
    const server = ens.servers[f]!;
    expect(server.treeDigest()).toBeUndefined();
    // Writes while the build runs, on nodes both behind and ahead of its cursor.
    await zk.setData('/bulk/n0', 'changed');
    await zk.setData('/bulk/n11999', 'changed');
    await zk.delete('/bulk/n5000');
    await ens.waitUntil(sameZxid, 'members to apply the writes');
    let sliced: string | undefined;
    await ens.waitUntil(() => (sliced = server.treeDigest()) !== undefined, 'the sliced digest');
    const digests = await convergedDigests(ens);
    expect(new Set(digests).size).toBe(1);
    expect(sliced).toBe(digests[0]);
    expect(sliced!.endsWith(`:${12000 + 4}`)).toBe(true);
  });

  it('stopping the leader elects another; every acknowledged write survives and clients go on', async () => {
    const ens = await ensemble();
    const zk = await clientOf(ens, [0, 1, 2]);
    const acked: string[] = [];
    for (let i = 0; i < 30; i++)
      acked.push((await zk.create('/n-', String(i), { mode: 'persistent_sequential' })).path);
    const old = ens.leaderIndex()!;
    await ens.stopMember(old);
    await ens.waitUntil(() => {
      const l = ens.leaderIndex();
      return l !== undefined && l !== old && followers(ens).length === 1;
    }, 'a new leader with one follower');

    const after = (await zk.create('/n-', 'after', { mode: 'persistent_sequential' })).path;
    await zk.sync('/');
    const children = (await zk.getChildren('/')).filter((c) => c.startsWith('n-')).map((c) => `/${c}`);
    expect(children.sort()).toEqual([...acked, after].sort());

    await ens.startMember(old);
    await ens.waitUntil(() => ens.servers[old]!.member.isServing, 'the old leader to rejoin');
    const digests = await convergedDigests(ens);
    expect(new Set(digests).size).toBe(1);
  });

  it('sequential creates racing through every member get distinct, gapless numbers', async () => {
    const ens = await ensemble();
    const clients = await Promise.all([0, 1, 2].map((i) => clientOf(ens, [i])));
    await clients[0]!.create('/q', '');
    const paths = (
      await Promise.all(
        clients.flatMap((zk) =>
          Array.from({ length: 40 }, () => zk.create('/q/s-', '', { mode: 'persistent_sequential' })),
        ),
      )
    ).map((r) => r.path);
    const numbers = paths.map((p) => Number(p.slice('/q/s-'.length))).sort((x, y) => x - y);
    expect(numbers).toEqual([...Array(120).keys()]);
  });

  it('sync is linearizable: the leader answers one only after a quorum confirms it still leads', async () => {
    const ens = await ensemble();
    const leader = ens.leaderIndex()!;
    const others = [0, 1, 2].filter((i) => i !== leader);
    const onLeader = await clientOf(ens, [leader]);
    await onLeader.create('/lin', 'v1');
    // With its quorum reachable, the leader answers its own client's sync.
    await onLeader.sync('/lin');

    // Cut the leader off silently (no RST: it learns only from missing pongs). The others elect a
    // new leader; until the old one notices and steps down, it still believes it leads. A sync it
    // answered now could be followed by a read older than writes the new leader acknowledges.
    ens.transports[leader]!.isolateFrom(others.map((i) => i + 1));
    for (const i of others) ens.transports[i]!.isolateFrom([leader + 1]);
    let answered = false;
    const sync = onLeader.sync('/lin').then(() => (answered = true));
    await expect(sync).rejects.toThrow(ConnectionLossError);
    expect(answered).toBe(false);

    await ens.waitUntil(() => others.some((i) => ens.servers[i]!.mode() === 'leader'), 'a new leader');
    const writer = await clientOf(ens, others);
    await writer.setData('/lin', 'v2');
    ens.transports[leader]!.heal();
    for (const i of others) ens.transports[i]!.heal();
    await ens.waitUntil(() => ens.servers[leader]!.member.isServing, 'the old leader to rejoin');
    await onLeader.sync('/lin');
    expect((await onLeader.getData('/lin')).data.toString()).toBe('v2');
  });
});
