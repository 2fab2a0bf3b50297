import { createHash } from 'node:crypto';
import zookeeper, { type Event } from 'node-zookeeper-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { errorName, NodeZkSession } from '../support/node-zk.js';
import { describeEachTarget } from '../support/targets.js';

const { CreateMode, ACL, Id, Permission } = zookeeper;

/** Resolves with the first event a one-shot watcher receives (or rejects after a bound). */
function nextEvent(timeoutMs = 10_000): {
  watcher: (e: Event) => void;
  event: Promise<{ name: string; path: string }>;
} {
  let deliver: (e: Event) => void = () => undefined;
  const event = new Promise<{ name: string; path: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no watch event')), timeoutMs);
    deliver = (e) => {
      clearTimeout(timer);
      resolve({ name: e.getName(), path: e.getPath() });
    };
  });
  return { watcher: (e) => deliver(e), event };
}

describeEachTarget('node-zookeeper-client', (target) => {
  let zk: Ensemble;
  let a: NodeZkSession;
  let b: NodeZkSession;

  beforeAll(async () => {
    zk = await target.start();
    a = await NodeZkSession.connect(zk.connectString);
    b = await NodeZkSession.connect(zk.connectString);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await zk?.stop();
  });

  it('create / get / set / delete with versions and error codes', async () => {
    expect(await a.create('/nz', 'v0')).toBe('/nz');
    expect(await errorName(a.create('/nz', 'again'))).toBe('NODE_EXISTS');
    expect(await errorName(a.create('/nz-missing/child'))).toBe('NO_NODE');
    const got = await a.getData('/nz');
    expect(got.data).toBe('v0');
    expect(got.stat.version).toBe(0);
    expect(got.stat.dataLength).toBe(2);
    expect((await a.setData('/nz', 'v1', 0)).version).toBe(1);
    expect(await errorName(a.setData('/nz', 'v2', 0))).toBe('BAD_VERSION');
    await a.create('/nz/child');
    expect(await errorName(a.remove('/nz'))).toBe('NOT_EMPTY');
    expect(await errorName(a.remove('/nz/child', 3))).toBe('BAD_VERSION');
    await a.remove('/nz/child', 0);
    expect(await a.exists('/nz/child')).toBeNull();
    // Data created as null reads back as null (the server keeps -1 length, not an empty buffer).
    await a.create('/nz/null', null);
    const nul = await a.getData('/nz/null');
    expect(nul.data).toBeNull();
    expect(nul.stat.dataLength).toBe(0);
  });

  it('getChildren (always getChildren2: with the parent Stat)', async () => {
    await a.create('/nzc');
    await a.create('/nzc/b');
    await a.create('/nzc/a');
    const { children, stat } = await a.getChildren('/nzc');
    expect([...children].sort()).toEqual(['a', 'b']);
    expect(stat.numChildren).toBe(2);
    expect(stat.cversion).toBe(2);
  });

  it('ephemeral and sequential nodes; ephemerals vanish when their session closes', async () => {
    await a.create('/nze');
    const s1 = await a.create('/nze/s-', 'x', CreateMode.PERSISTENT_SEQUENTIAL);
    const s2 = await a.create('/nze/s-', 'x', CreateMode.PERSISTENT_SEQUENTIAL);
    expect([s1, s2]).toEqual(['/nze/s-0000000000', '/nze/s-0000000001']);
    const c = await NodeZkSession.connect(zk.connectString);
    const eph = await c.create('/nze/e', 'x', CreateMode.EPHEMERAL);
    const eseq = await c.create('/nze/es-', 'x', CreateMode.EPHEMERAL_SEQUENTIAL);
    expect(eseq).toBe('/nze/es-0000000003');
    const stat = await a.exists(eph);
    expect(stat?.ephemeralOwner.toString('hex')).toBe(c.sessionId());
    expect(await errorName(c.create('/nze/e/child'))).toBe('NO_CHILDREN_FOR_EPHEMERALS');
    const gone = nextEvent();
    await a.exists(eph, gone.watcher);
    await c.close();
    expect(await gone.event).toEqual({ name: 'NODE_DELETED', path: '/nze/e' });
    expect((await a.getChildren('/nze')).children.sort()).toEqual(['s-0000000000', 's-0000000001']);
  });

  it('getData and getChildren watches fire once, for changes made by another session', async () => {
    await a.create('/nzw', 'x');
    const data = nextEvent();
    const kids = nextEvent();
    await a.getData('/nzw', data.watcher);
    await a.getChildren('/nzw', kids.watcher);
    await b.setData('/nzw', 'y');
    expect(await data.event).toEqual({ name: 'NODE_DATA_CHANGED', path: '/nzw' });
    await b.create('/nzw/k');
    expect(await kids.event).toEqual({ name: 'NODE_CHILDREN_CHANGED', path: '/nzw' });
    const del = nextEvent();
    await a.getData('/nzw/k', del.watcher);
    await b.remove('/nzw/k');
    expect(await del.event).toEqual({ name: 'NODE_DELETED', path: '/nzw/k' });
  });

  it('exists watch on a missing node fires NODE_CREATED', async () => {
    const created = nextEvent();
    expect(await a.exists('/nzx', created.watcher)).toBeNull();
    await b.create('/nzx');
    expect(await created.event).toEqual({ name: 'NODE_CREATED', path: '/nzx' });
  });

  it('transaction (multi): commits atomically, or fails with the first error and changes nothing', async () => {
    const ok = await a.multi((t) => {
      t.create('/nzt', Buffer.from('1'));
      t.create('/nzt/c', null);
      t.setData('/nzt', Buffer.from('2'), 0);
      t.check('/nzt', 1);
      t.remove('/nzt/c', 0);
    });
    // Result types echo each sub-op's own opcode: create 1, setData 5, check 13, delete 2.
    expect(ok.map((r) => r.type)).toEqual([1, 1, 5, 13, 2]);
    expect(ok[0]?.path).toBe('/nzt');
    expect(ok[2]?.stat?.version).toBe(1);
    expect((await a.getData('/nzt')).data).toBe('2');

    expect(
      await errorName(
        a.multi((t) => {
          t.create('/nzt/new', null);
          t.check('/nzt', 7);
          t.remove('/nzt');
        }),
      ),
    ).toBe('BAD_VERSION');
    expect(await a.exists('/nzt/new')).toBeNull();
    expect((await a.getData('/nzt')).stat.version).toBe(1);
  });

  it('ACLs: digest ACL via addAuthInfo; others get NO_AUTH; setACL/getACL round-trip', async () => {
    const owner = await NodeZkSession.connect(zk.connectString);
    owner.addAuth('digest', 'carol:pw');
    await owner.create('/nzacl', 'secret', CreateMode.PERSISTENT, ACL.CREATOR_ALL_ACL);
    const { acls, stat } = await owner.getACL('/nzacl');
    expect(acls.map((x) => ({ perms: x.permission, scheme: x.id.scheme, id: x.id.id }))).toEqual([
      // The digest id is user:base64(sha1("user:password")).
      {
        perms: Permission.ALL,
        scheme: 'digest',
        id: `carol:${createHash('sha1').update('carol:pw').digest('base64')}`,
      },
    ]);
    expect(stat.aversion).toBe(0);
    // b may be connected to another member of an ensemble, which may not have applied owner's writes yet
    // (ZooKeeper only orders a session's own view). node-zookeeper-client has no sync, so b makes a write
    // of its own: it commits after owner's, and its reply comes once b's member has applied both.
    const catchUp = async (s: NodeZkSession) => {
      await s.remove(await s.create('/nzacl-catch-up-', null, CreateMode.PERSISTENT_SEQUENTIAL));
    };
    await catchUp(b);
    expect(await errorName(b.getData('/nzacl'))).toBe('NO_AUTH');
    expect(await errorName(b.setData('/nzacl', 'x'))).toBe('NO_AUTH');
    expect(await errorName(b.create('/nzacl-bad', null, CreateMode.PERSISTENT, ACL.CREATOR_ALL_ACL))).toBe(
      'INVALID_ACL',
    );
    const readable = [new ACL(Permission.READ, new Id('world', 'anyone'))];
    expect(await errorName(owner.setACL('/nzacl', readable, 5))).toBe('BAD_VERSION');
    expect((await owner.setACL('/nzacl', readable, 0)).aversion).toBe(1);
    await catchUp(b);
    expect((await b.getData('/nzacl')).data).toBe('secret');
    expect(await errorName(b.setData('/nzacl', 'x'))).toBe('NO_AUTH');
    const later = await NodeZkSession.connect(zk.connectString);
    later.addAuth('digest', 'carol:pw');
    expect(await errorName(later.setACL('/nzacl', ACL.OPEN_ACL_UNSAFE))).toBe('NO_AUTH');
    await owner.close();
    await later.close();
  });
});
