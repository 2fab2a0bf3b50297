import { describe, expect, it } from 'vitest';
import { CONTAINER_EPHEMERAL_OWNER, ErrorCode, EventType, Perms } from '../protocol/constants.js';
import type { Stat } from '../protocol/records.js';
import { DataTree } from './data-tree.js';
import { ttlEphemeralOwner } from './node-kind.js';
import { Harness } from './test-harness.js';
import type { Txn } from './txn.js';

const S = 0x10000034c460000n; // the session id the real server gave kazoo
const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const pick = (s: Stat | undefined) => s && [s.cversion, s.numChildren, s.pzxid];

describe('initial tree (observed on ZooKeeper 3.8.0)', () => {
  it('has the four system nodes with the real server stats and ACLs', () => {
    const t = new DataTree();
    const zero = {
      czxid: 0,
      mzxid: 0,
      ctime: 0,
      mtime: 0,
      version: 0,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 0,
      pzxid: 0,
    };
    expect(t.statOf('/')).toEqual({ ...zero, cversion: -1, numChildren: 1 });
    expect(t.statOf('/zookeeper')).toEqual({ ...zero, cversion: -2, numChildren: 2 });
    expect(t.statOf('/zookeeper/quota')).toEqual({ ...zero, cversion: 0, numChildren: 0 });
    expect(t.statOf('/zookeeper/config')).toEqual({ ...zero, cversion: 0, aversion: -1, numChildren: 0 });
    expect(t.getAcl('/zookeeper/config')!.acl).toEqual([
      { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
    ]);
    expect(t.getAcl('/')!.acl).toEqual([{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]);
    expect(t.getChildren('/')).toEqual(['zookeeper']);
    expect(t.getChildren('/zookeeper')!.sort()).toEqual(['config', 'quota']);
    expect(t.nodeCount).toBe(4);
  });
  it('first sequential child of / is numbered from the stored counter 0, shown cversion goes -1 -> 0', () => {
    const h = new Harness();
    expect(h.create('/r-', 2)).toMatchObject({ path: '/r-0000000000' });
    expect(h.tree.statOf('/')!.cversion).toBe(0); // 2*1 - 2
  });
});

describe('sequential numbering and parent Stat (replays the kazoo session against 3.8.0)', () => {
  it('matches every observed name, cversion, numChildren and pzxid', () => {
    const h = new Harness();
    const who = { sessionId: S };
    h.create('/s', 0, who);
    expect(h.tree.statOf('/s')).toMatchObject({
      czxid: 2,
      mzxid: 2,
      version: 0,
      cversion: 0,
      aversion: 0,
      numChildren: 0,
      pzxid: 2,
    });
    const steps: [() => unknown, string | null, number[]][] = [
      [() => h.create('/s/n-', 2, who), '/s/n-0000000000', [1, 1, 3]],
      [() => h.create('/s/n-', 2, who), '/s/n-0000000001', [2, 2, 4]],
      [() => h.create('/s/n-', 2, who), '/s/n-0000000002', [3, 3, 5]],
      [() => h.delete('/s/n-0000000002'), null, [4, 2, 6]],
      [() => h.create('/s/n-', 2, who), '/s/n-0000000003', [5, 3, 7]],
      [() => h.delete('/s/n-0000000000'), null, [6, 2, 8]],
      [() => h.create('/s/n-', 2, who), '/s/n-0000000004', [7, 3, 9]],
      [() => h.create('/s/plain', 0, who), '/s/plain', [8, 4, 10]],
      [() => h.create('/s/n-', 2, who), '/s/n-0000000006', [9, 5, 11]],
      [() => h.delete('/s/plain'), null, [10, 4, 12]],
      [() => h.create('/s/', 2, who), '/s/0000000007', [11, 5, 13]],
      [() => h.create('/s/x', 3, who), '/s/x0000000008', [12, 6, 14]],
    ];
    for (const [act, name, expected] of steps) {
      const r = act() as { path?: string; type: string };
      if (name) expect(r).toMatchObject({ type: 'create', path: name });
      else expect(r).toEqual({ type: 'delete' });
      expect(pick(h.tree.statOf('/s'))).toEqual(expected);
    }
    expect(h.tree.statOf('/s/x0000000008')).toMatchObject({
      czxid: 14,
      mzxid: 14,
      pzxid: 14,
      ephemeralOwner: S,
      cversion: 0,
    });
    const m = h.run({
      op: 'multi',
      ops: [
        {
          op: 'create',
          path: '/s/m-',
          data: Buffer.alloc(0),
          acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
          flags: 2,
        },
        {
          op: 'create',
          path: '/s/m-',
          data: Buffer.alloc(0),
          acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
          flags: 2,
        },
        { op: 'delete', path: '/s/n-0000000001', version: -1 },
      ],
    });
    expect(m.result).toMatchObject({
      type: 'multi',
      results: [{ path: '/s/m-0000000009' }, { path: '/s/m-0000000010' }, { type: 'delete' }],
    });
    expect(pick(h.tree.statOf('/s'))).toEqual([15, 7, 15]);
  });

  it('setData/setACL stats and zxids consumed by failed requests (observed)', () => {
    const h = new Harness({ startZxid: 15 });
    h.time = 100;
    expect(h.create('/d', 0, {}, Buffer.from('abc'))).toMatchObject({
      stat: { czxid: 16, mzxid: 16, pzxid: 16, dataLength: 3, ctime: 100, mtime: 100 },
    });
    h.time = 200;
    expect(h.setData('/d', Buffer.from('hello'))).toMatchObject({
      stat: { czxid: 16, mzxid: 17, version: 1, dataLength: 5, ctime: 100, mtime: 200, pzxid: 16 },
    });
    const open = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    expect(h.run({ op: 'setACL', path: '/d', acl: open, version: -1 }).result).toMatchObject({
      stat: { mzxid: 17, version: 1, aversion: 1, mtime: 200 },
    });
    expect(h.run({ op: 'setACL', path: '/d', acl: open, version: 1 }).result).toMatchObject({
      stat: { aversion: 2 },
    });
    expect(h.run({ op: 'setACL', path: '/d', acl: open, version: 5 }).result).toEqual({
      type: 'error',
      err: ErrorCode.BADVERSION,
    });
    expect(h.setData('/d', Buffer.alloc(0))).toMatchObject({
      stat: { mzxid: 21, version: 2, aversion: 2, dataLength: 0 },
    });
  });
});

describe('apply is replay-tolerant', () => {
  const hdr = (zxid: number) => ({ sessionId: 0n, cxid: 0, zxid, time: 5 });
  it('tolerates create of existing, delete of missing, setData of missing; sets lastProcessedZxid', () => {
    const t = new DataTree();
    const create: Txn = {
      header: hdr(10),
      body: {
        type: 'create',
        path: '/a',
        data: Buffer.alloc(0),
        acl: [],
        ephemeralOwner: 0n,
        parentCVersion: 1,
      },
    };
    t.apply(create);
    const before = t.digest();
    expect(t.apply(create).result).toEqual({ type: 'error', err: ErrorCode.NODEEXISTS });
    expect(t.digest()).toBe(before);
    expect(
      t.apply({
        header: hdr(11),
        body: { type: 'setData', path: '/nope', data: Buffer.alloc(1), version: 1 },
      }).result.type,
    ).toBe('error');
    expect(t.apply({ header: hdr(12), body: { type: 'delete', path: '/nope' } }).result.type).toBe('error');
    expect(t.lastProcessedZxid).toBe(12);
    expect(t.statOf('/')!.pzxid).toBe(12); // delete of a missing child still advances the parent's pzxid
  });
});

describe('watch triggers', () => {
  it('create fires NodeCreated on exist watches and NodeChildrenChanged on the parent', () => {
    const h = new Harness<string>();
    h.tree.watchExists('/a', 'c1');
    h.tree.watchChildren('/', 'c2');
    const r = h.run({
      op: 'create',
      path: '/a',
      data: Buffer.alloc(0),
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 0,
    });
    // each notification carries the ACL of the node it is about (the connection filters on READ)
    expect(r.notifications).toEqual([
      { watcher: 'c1', event: { type: EventType.NodeCreated, state: 3, path: '/a' }, acl: OPEN_ACL },
      { watcher: 'c2', event: { type: EventType.NodeChildrenChanged, state: 3, path: '/' }, acl: OPEN_ACL },
    ]);
    expect(h.tree.watchCount).toBe(0); // one-shot
  });
  it('delete sends one NodeDeleted per watcher even with data+child watches', () => {
    const h = new Harness<string>();
    h.create('/a');
    h.tree.watchData('/a', 'c1');
    h.tree.watchChildren('/a', 'c1');
    h.tree.watchChildren('/a', 'c2');
    const n = h.run({ op: 'delete', path: '/a', version: -1 }).notifications;
    expect(n.map((x) => [x.watcher, x.event.type])).toEqual([
      ['c1', EventType.NodeDeleted],
      ['c2', EventType.NodeDeleted],
    ]);
    expect(h.tree.watchCount).toBe(0);
  });
  it('setData fires NodeDataChanged; setACL fires nothing', () => {
    const h = new Harness<string>();
    h.create('/a');
    h.tree.watchData('/a', 'c1');
    h.tree.watchChildren('/a', 'c2');
    expect(
      h.run({
        op: 'setACL',
        path: '/a',
        acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
        version: -1,
      }).notifications,
    ).toEqual([]);
    expect(
      h
        .run({ op: 'setData', path: '/a', data: Buffer.from('x'), version: -1 })
        .notifications.map((x) => x.watcher),
    ).toEqual(['c1']);
    expect(h.tree.watchCount).toBe(1); // child watch untouched by setData
  });
  it('persistent watches keep firing; recursive ones see descendants but never NodeChildrenChanged', () => {
    const h = new Harness<string>();
    h.create('/a');
    h.tree.addPersistentWatch('/a', 'p', false);
    h.tree.addPersistentWatch('/a', 'r', true);
    h.create('/a/b');
    const ev = (r: { notifications: { watcher: string; event: { type: number; path: string } }[] }) =>
      r.notifications.map((x) => `${x.watcher}:${x.event.type}:${x.event.path}`);
    expect(
      ev(
        h.run({
          op: 'create',
          path: '/a/c',
          data: Buffer.alloc(0),
          acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
          flags: 0,
        }),
      ),
    ).toEqual(['r:1:/a/c', 'p:4:/a']);
    expect(ev(h.run({ op: 'setData', path: '/a/c', data: Buffer.alloc(0), version: -1 }))).toEqual([
      'r:3:/a/c',
    ]);
    expect(ev(h.run({ op: 'setData', path: '/a', data: Buffer.alloc(0), version: -1 }))).toEqual([
      'p:3:/a',
      'r:3:/a',
    ]);
    expect(ev(h.run({ op: 'delete', path: '/a/c', version: -1 }))).toEqual(['r:2:/a/c', 'p:4:/a']);
    expect(h.tree.watchCount).toBe(4); // p and r each in both tables
  });
  it('closeSession deletes the listed ephemerals and fires their watches', () => {
    const h = new Harness<string>();
    h.create('/e1', 1, { sessionId: 7n });
    h.create('/e2', 1, { sessionId: 7n });
    h.create('/e3', 1, { sessionId: 8n });
    h.tree.watchData('/e1', 'w');
    const zxid = ++h.zxid;
    const body = h.prep.prepareCloseSession(7n, zxid);
    expect(body).toEqual({ type: 'closeSession', paths: ['/e1', '/e2'] });
    const r = h.tree.apply({ header: { sessionId: 7n, cxid: 0, zxid, time: 1 }, body });
    expect(r.notifications.map((n) => n.event.type)).toEqual([EventType.NodeDeleted]);
    expect(h.tree.ephemerals(7n)).toEqual([]);
    expect(h.tree.ephemerals(8n)).toEqual(['/e3']);
    expect(h.tree.ephemeralCount).toBe(1);
  });
});

describe('setWatches catch-up (DataTree.setWatches rules)', () => {
  it('fires missed events and re-arms the rest', () => {
    const h = new Harness<string>();
    h.create('/same'); // zxid 2
    h.create('/changed'); // 3
    h.create('/kids'); // 4
    const rel = h.zxid;
    h.setData('/changed', Buffer.from('x')); // 5
    h.create('/kids/k'); // 6
    h.create('/born'); // 7
    const out = h.tree.setWatches(
      rel,
      {
        op: 'setWatches2',
        relativeZxid: rel,
        dataWatches: ['/same', '/changed', '/gone'],
        existWatches: ['/born', '/unborn'],
        childWatches: ['/same', '/kids', '/gone'],
        persistentWatches: ['/p'],
        persistentRecursiveWatches: ['/r'],
      },
      'c',
    );
    expect(out.map((n) => `${n.event.type}:${n.event.path}`)).toEqual([
      `${EventType.NodeDataChanged}:/changed`,
      `${EventType.NodeDeleted}:/gone`,
      `${EventType.NodeCreated}:/born`,
      `${EventType.NodeChildrenChanged}:/kids`,
      `${EventType.NodeDeleted}:/gone`,
    ]);
    expect(h.tree.watches.modeOf('data', '/same', 'c')).toBe('standard');
    expect(h.tree.watches.modeOf('data', '/unborn', 'c')).toBe('standard');
    expect(h.tree.watches.modeOf('child', '/same', 'c')).toBe('standard');
    expect(h.tree.watches.modeOf('data', '/changed', 'c')).toBeUndefined();
    expect(h.tree.watches.modeOf('child', '/p', 'c')).toBe('persistent');
    expect(h.tree.watches.modeOf('data', '/r', 'c')).toBe('recursive');
    // a recursive watch sits in the child table too (it displaces a standard child watch there)
    expect(h.tree.watches.modeOf('child', '/r', 'c')).toBe('recursive');
  });
});

describe('containers and TTL nodes', () => {
  it('container: reaped once it had a child and is empty; never-used only with maxNeverUsedMs (by mtime)', () => {
    const h = new Harness();
    h.time = 1000;
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    // observed: createContainer with flags 0 is still a container; create with flags 4 is persistent
    expect(
      h.run({ op: 'createContainer', path: '/c', data: Buffer.alloc(0), acl, flags: 0 }).result,
    ).toMatchObject({ stat: { ephemeralOwner: 0n } });
    h.run({ op: 'createContainer', path: '/never', data: Buffer.alloc(0), acl, flags: 4 });
    h.create('/plain4', 4);
    h.create('/c/x');
    h.create('/plain4/x');
    expect(h.tree.expiredContainersAndTtls(5000)).toEqual([]);
    h.delete('/c/x');
    h.delete('/plain4/x');
    expect(h.tree.expiredContainersAndTtls(5000)).toEqual(['/c']);
    expect(h.tree.expiredContainersAndTtls(5000, 4000)).toEqual(['/c']);
    expect(h.tree.expiredContainersAndTtls(5001, 4000)).toEqual(['/c', '/never']);
    const zxid = ++h.zxid;
    const body = h.prep.prepareReap('/c', zxid);
    expect(body).toEqual({ type: 'delete', path: '/c' });
    h.tree.apply({ header: { sessionId: 0n, cxid: 0, zxid, time: 5000 }, body });
    expect(h.tree.has('/c')).toBe(false);
    expect(h.prep.prepareReap('/plain4', ++h.zxid)).toEqual({ type: 'error', err: ErrorCode.BADVERSION });
  });
  it('TTL: reaped when empty and now - mtime > ttl; setData refreshes; owner masked in Stat', () => {
    const h = new Harness();
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    h.time = 1000;
    const r = h.run({ op: 'createTTL', path: '/t', data: Buffer.alloc(0), acl, flags: 5, ttl: 1000 }).result;
    expect(r).toMatchObject({ type: 'create', stat: { ephemeralOwner: 0n } });
    h.run({ op: 'createTTL', path: '/t2', data: Buffer.alloc(0), acl, flags: 5, ttl: 1000 });
    h.create('/t2/kid');
    expect(h.tree.expiredContainersAndTtls(2000)).toEqual([]);
    expect(h.tree.expiredContainersAndTtls(2001)).toEqual(['/t']);
    h.time = 1900;
    h.setData('/t', Buffer.from('refresh'));
    expect(h.tree.expiredContainersAndTtls(2500)).toEqual([]);
    expect(h.tree.expiredContainersAndTtls(2901)).toEqual(['/t']);
    // children of TTL and container parents may be ephemeral (observed)
    expect(h.create('/t2/e', 1)).toMatchObject({ type: 'create' });
  });
  it('owner encodings', () => {
    expect(ttlEphemeralOwner(1500)).toBe(BigInt.asIntN(64, 0xff000000000005dcn));
    expect(CONTAINER_EPHEMERAL_OWNER).toBe(-(2n ** 63n));
  });
});

describe('fuzzy snapshot', () => {
  const base = Date.now() % 100000;
  it.each(Array.from({ length: 40 }, (_, i) => base + i))(
    'serialize while applying, rebuild + replay == live tree (seed %i)',
    (seed) => {
      let x = seed;
      const rnd = (n: number) => ((x = (x * 1103515245 + 12345) % 2147483648), x % n);
      const h = new Harness();
      const paths = ['/a', '/b', '/a/x', '/a/y', '/b/z', '/a/x/q'];
      const step = () => {
        const p = paths[rnd(paths.length)]!;
        const k = rnd(4);
        if (k === 0) h.create(p, rnd(3));
        else if (k === 1) h.create(p + '-', 2);
        else if (k === 2) h.delete(p);
        else h.setData(p, Buffer.from(String(rnd(1000))));
      };
      for (let i = 0; i < 200; i++) step();
      const start = h.zxid;
      const records: Buffer[] = [];
      for (const rec of h.tree.serializeNodes()) {
        records.push(rec);
        for (let i = 0; i < 3; i++) step();
      }
      for (let i = 0; i < 20; i++) step();
      const rebuilt = DataTree.fromNodes(records, start);
      for (const txn of h.log) if (txn.header.zxid > start) rebuilt.apply(txn);
      expect(rebuilt.digest()).toBe(h.tree.digest());
      expect(rebuilt.nodeCount).toBe(h.tree.nodeCount);
      expect(rebuilt.lastProcessedZxid).toBe(h.tree.lastProcessedZxid);
    },
  );
  it('round-trips an idle tree exactly, incl. ephemeral index and sequential counters', () => {
    const h = new Harness();
    h.create('/q');
    h.create('/q/n-', 2);
    h.create('/q/n-', 3, { sessionId: 42n });
    h.delete('/q/n-0000000000');
    const t = DataTree.fromNodes(h.tree.serializeNodes(), h.zxid);
    expect(t.digest()).toBe(h.tree.digest());
    expect(t.ephemerals(42n)).toEqual(['/q/n-0000000001']);
    expect(t.statOf('/q')).toEqual(h.tree.statOf('/q'));
    expect(t.getAcl('/zookeeper/config')!.stat.aversion).toBe(-1);
  });
});
