import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CREATOR_ALL_ACL,
  OPEN_ACL_UNSAFE,
  READ_ACL_UNSAFE,
  TransactionError,
  ZooKeeperClient,
  digestAcl,
  digestId,
} from '../../../libs/coordination/src/client/index.js';
import { ErrorCode, Perms } from '../../../libs/coordination/src/protocol/constants.js';
import {
  BadArgumentsError,
  BadVersionError,
  NoAuthError,
  NoChildrenForEphemeralsError,
  NoNodeError,
  NodeExistsError,
  NotEmptyError,
} from '../../../libs/coordination/src/protocol/errors.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool } from './helpers.js';

describeEachTarget('client operations', (target) => {
  let zk: Ensemble;
  let c: ZooKeeperClient;
  const pool = new ClientPool();

  beforeAll(async () => {
    zk = await target.start({ tickTime: 500 });
    c = await pool.open(zk.connectString);
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('create/getData/setData/delete with versions and typed errors', async () => {
    const created = await c.create('/ops', 'v0');
    expect(created.path).toBe('/ops');
    expect(created.stat.version).toBe(0);
    expect(created.stat.dataLength).toBe(2);
    const got = await c.getData('/ops');
    expect(got.data.toString()).toBe('v0');
    expect(got.stat.czxid).toBe(created.stat.czxid);

    const s1 = await c.setData('/ops', Buffer.from('v1'), 0);
    expect(s1.version).toBe(1);
    const bad = await c.setData('/ops', 'v2', 0).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadVersionError);
    expect((bad as BadVersionError).code).toBe(ErrorCode.BADVERSION);
    expect((bad as BadVersionError).path).toBe('/ops');

    await expect(c.create('/ops', 'x')).rejects.toBeInstanceOf(NodeExistsError);
    await expect(c.getData('/ops/missing')).rejects.toMatchObject({
      code: ErrorCode.NONODE,
      path: '/ops/missing',
    });
    await expect(c.create('/nope/child')).rejects.toBeInstanceOf(NoNodeError);

    await c.create('/ops/child');
    await expect(c.delete('/ops')).rejects.toBeInstanceOf(NotEmptyError);
    await expect(c.delete('/ops/child', 5)).rejects.toBeInstanceOf(BadVersionError);
    await c.delete('/ops/child', 0);
    await c.delete('/ops');
    expect(await c.exists('/ops')).toBeNull();
  });

  it('rejects invalid paths client-side with BadArgumentsError', async () => {
    await expect(c.getData('no-slash')).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.create('/a/')).rejects.toBeInstanceOf(BadArgumentsError);
    await expect(c.create('/x', '', { mode: 'ttl' })).rejects.toBeInstanceOf(BadArgumentsError);
  });

  it('every create mode sets the right ephemeralOwner and naming', async () => {
    await c.create('/modes');
    const eph = await c.create('/modes/e', '', { mode: 'ephemeral' });
    expect(eph.stat.ephemeralOwner).toBe(c.sessionId);
    await expect(c.create('/modes/e/child')).rejects.toBeInstanceOf(NoChildrenForEphemeralsError);

    const s1 = await c.create('/modes/s-', '', { mode: 'persistent_sequential' });
    const s2 = await c.create('/modes/s-', '', { mode: 'ephemeral_sequential' });
    expect(s1.path).toMatch(/^\/modes\/s-\d{10}$/);
    expect(s2.path).toMatch(/^\/modes\/s-\d{10}$/);
    expect(Number(s2.path.slice(-10))).toBe(Number(s1.path.slice(-10)) + 1);
    expect(s2.stat.ephemeralOwner).toBe(c.sessionId);

    // Apache 3.8 hides the container/TTL markers from clients (DataTree.getClientEphemeralOwner):
    // the Stat of both kinds reads ephemeralOwner 0, in the create reply and in exists.
    const container = await c.create('/modes/c', '', { mode: 'container' });
    expect(container.stat.ephemeralOwner).toBe(0n);
    expect((await c.exists('/modes/c'))?.ephemeralOwner).toBe(0n);

    const ttl = await c.create('/modes/t', '', { mode: 'ttl', ttl: 60_000 });
    expect(ttl.stat.ephemeralOwner).toBe(0n);
    const ttlSeq = await c.create('/modes/ts-', '', { mode: 'persistent_sequential_ttl', ttl: 60_000 });
    expect(ttlSeq.path).toMatch(/^\/modes\/ts-\d{10}$/);

    const kids = await c.getChildren('/modes');
    expect(kids.sort()).toEqual(
      ['c', 'e', s1.path.slice(7), s2.path.slice(7), 't', ttlSeq.path.slice(7)].sort(),
    );
    const two = await c.getChildren2('/modes');
    expect(two.stat.numChildren).toBe(6);
    expect(two.children.length).toBe(6);
    expect(await c.getAllChildrenNumber('/modes')).toBe(6);
    expect((await c.getEphemerals('/modes')).sort()).toEqual(['/modes/e', s2.path].sort());
  });

  it('multi: per-op results on success, TransactionError with per-op codes on failure', async () => {
    await c.create('/tx', 'a');
    const results = await c
      .transaction()
      .check('/tx', 0)
      .create('/tx/one', '1')
      .create('/tx/seq-', '', { mode: 'persistent_sequential' })
      .setData('/tx', 'b', 0)
      .delete('/tx/one')
      .commit();
    expect(results.map((r) => r.type)).toEqual(['check', 'create', 'create', 'setData', 'delete']);
    expect(results[1]).toMatchObject({ type: 'create', path: '/tx/one' });
    expect((results[2] as { path: string }).path).toMatch(/^\/tx\/seq-\d{10}$/);
    expect((results[3] as { stat: { version: number } }).stat.version).toBe(1);

    const err = await c
      .multi([
        { type: 'create', path: '/tx/two' },
        { type: 'check', path: '/tx', version: 99 },
        { type: 'delete', path: '/tx' },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionError);
    const te = err as TransactionError;
    expect(te.code).toBe(ErrorCode.BADVERSION);
    expect(te.failedIndex).toBe(1);
    expect(te.path).toBe('/tx');
    expect(te.results.map((r) => r.code)).toEqual([0, ErrorCode.BADVERSION, ErrorCode.RUNTIMEINCONSISTENCY]);
    expect(await c.exists('/tx/two')).toBeNull(); // nothing applied
  });

  it('multiRead returns per-op results and errors', async () => {
    await c.create('/mr', 'data');
    await c.create('/mr/k');
    const r = await c.multiRead([
      { type: 'getData', path: '/mr' },
      { type: 'getChildren', path: '/mr' },
      { type: 'getData', path: '/mr/none' },
    ]);
    expect(r[0]).toMatchObject({ type: 'getData' });
    expect((r[0] as { data: Buffer }).data.toString()).toBe('data');
    expect(r[1]).toEqual({ type: 'getChildren', children: ['k'] });
    expect(r[2]).toMatchObject({ type: 'error', code: ErrorCode.NONODE });
    expect((r[2] as { error: Error }).error).toBeInstanceOf(NoNodeError);
  });

  it('sync, whoAmI, getACL/setACL with aversion', async () => {
    await c.sync('/');
    expect(await c.whoAmI()).toEqual([{ scheme: 'ip', user: '127.0.0.1' }]);
    await c.create('/aclv');
    const { acl, stat } = await c.getACL('/aclv');
    expect(acl).toEqual([...OPEN_ACL_UNSAFE]);
    expect(stat.aversion).toBe(0);
    await expect(c.setACL('/aclv', READ_ACL_UNSAFE, 3)).rejects.toBeInstanceOf(BadVersionError);
    const s = await c.setACL('/aclv', READ_ACL_UNSAFE, 0);
    expect(s.aversion).toBe(1);
    // Without ADMIN any further setACL is refused before the version is even looked at.
    await expect(c.setACL('/aclv', OPEN_ACL_UNSAFE, 0)).rejects.toBeInstanceOf(NoAuthError);
    await expect(c.setData('/aclv', 'x')).rejects.toBeInstanceOf(NoAuthError);
  });

  it('digest auth: creator ACL, NoAuth for another client, authInfo on connect', async () => {
    const alice = await pool.open(zk.connectString);
    await alice.addAuth('digest', 'alice:secret');
    expect(await alice.whoAmI()).toContainEqual({ scheme: 'digest', user: 'alice' });
    await alice.create('/secret', 'classified', { acl: CREATOR_ALL_ACL });
    const { acl } = await alice.getACL('/secret');
    expect(acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('alice', 'secret') } }]);
    expect(digestId('alice', 'secret')).toBe('alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E=');

    // In an ensemble a new session may land on a member that has not applied alice's writes yet (ZooKeeper
    // only promises a session's own view): every other session syncs before reading them.
    const stranger = await pool.open(zk.connectString);
    await stranger.sync('/');
    await expect(stranger.getData('/secret')).rejects.toBeInstanceOf(NoAuthError);
    await stranger.addAuth('digest', 'alice:wrong');
    await expect(stranger.getData('/secret')).rejects.toMatchObject({
      code: ErrorCode.NOAUTH,
      path: '/secret',
    });

    const again = await pool.open(zk.connectString, {
      authInfo: [{ scheme: 'digest', auth: 'alice:secret' }],
    });
    await again.sync('/');
    expect((await again.getData('/secret')).data.toString()).toBe('classified');

    await alice.create('/bob-only', 'b', { acl: [digestAcl('bob', 'pw', Perms.READ)] });
    const bob = await pool.open(zk.connectString, { authInfo: [{ scheme: 'digest', auth: 'bob:pw' }] });
    await bob.sync('/');
    expect((await bob.getData('/bob-only')).data.toString()).toBe('b');
    await expect(bob.setData('/bob-only', 'x')).rejects.toBeInstanceOf(NoAuthError);
  });

  it('chroot: paths, created paths, getEphemerals and events are relative to the chroot', async () => {
    await c.create('/app');
    const rooted = await pool.open(`${zk.connectString}/app`);
    expect(rooted.chroot).toBe('/app');
    const made = await rooted.create('/svc-', 'x', { mode: 'ephemeral_sequential' });
    expect(made.path).toMatch(/^\/svc-\d{10}$/);
    await c.sync('/'); // c may be on another ensemble member than rooted
    expect((await c.getData(`/app${made.path}`)).data.toString()).toBe('x');
    expect(await rooted.getEphemerals()).toEqual([made.path]);
    expect(await rooted.getChildren('/')).toEqual([made.path.slice(1)]);

    const events: string[] = [];
    await rooted.getData(made.path, (e) => events.push(`${e.type}:${e.path}`));
    await rooted.getChildren('/', (e) => events.push(`${e.type}:${e.path}`));
    await c.setData(`/app${made.path}`, 'y');
    await c.create('/app/other');
    await rooted.sync('/');
    expect(events.sort()).toEqual([`3:${made.path}`, '4:/'].sort());

    const tx = await rooted.transaction().create('/t').commit();
    expect(tx[0]).toMatchObject({ type: 'create', path: '/t' });
    await expect(rooted.getData('/none')).rejects.toMatchObject({ path: '/none' });
  });

  it('pipelines thousands of concurrent requests on one connection, each answered correctly', async () => {
    await c.create('/pipe');
    const n = 2000;
    const created = await Promise.all(
      Array.from({ length: n }, (_, i) => c.create(`/pipe/n${i}`, String(i), { mode: 'ephemeral' })),
    );
    expect(created.map((r) => r.path)).toEqual(Array.from({ length: n }, (_, i) => `/pipe/n${i}`));
    // Creates are applied in send order: czxid grows with i.
    for (let i = 1; i < n; i++) expect(created[i]!.stat.czxid).toBeGreaterThan(created[i - 1]!.stat.czxid);
    const reads = await Promise.all(Array.from({ length: n }, (_, i) => c.getData(`/pipe/n${i}`)));
    expect(reads.every((r, i) => r.data.toString() === String(i))).toBe(true);
    expect(await c.getAllChildrenNumber('/pipe')).toBe(n);
  });
});
