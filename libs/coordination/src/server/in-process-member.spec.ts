/**
 * One coordinator member in the test process (no server.N lines: a one-voter ensemble), driven by
 * the real client over loopback: per-session ordering, reads behind writes, multi, watches,
 * sessions and their expiry under an injected clock, and recovery after stop/start.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '../client/zookeeper-client.js';
import type { WatchEvent } from '../client/watch-registry.js';
import { ErrorCode, EventType } from '../protocol/constants.js';
import { InProcessEnsemble, ManualClock } from './testing/in-process-ensemble.js';
import { RawSession } from './testing/raw-session.js';

const open: { ens: InProcessEnsemble[]; clients: ZooKeeperClient[]; raw: RawSession[] } = {
  ens: [],
  clients: [],
  raw: [],
};
afterEach(async () => {
  for (const r of open.raw.splice(0)) r.destroy();
  await Promise.all(open.clients.splice(0).map((c) => c.close().catch(() => {})));
  for (const e of open.ens.splice(0)) {
    expect(e.fatalErrors).toEqual([]);
    await e.close();
  }
});

async function member(opts: Parameters<typeof InProcessEnsemble.start>[0] = {}): Promise<InProcessEnsemble> {
  const ens = await InProcessEnsemble.start({ members: 1, ...opts });
  open.ens.push(ens);
  return ens;
}

async function client(ens: InProcessEnsemble, sessionTimeout = 30_000): Promise<ZooKeeperClient> {
  const zk = await ZooKeeperClient.connect(ens.connectString(), { sessionTimeout, clientSideExpiry: false });
  open.clients.push(zk);
  return zk;
}

const text = (b: Buffer) => b.toString('utf8');
const epochOf = (zxid: number) => Math.floor(zxid / 2 ** 32);

describe('in-process member: ordering', () => {
  it('answers one session in request order, each read seeing the writes sent before it', async () => {
    const ens = await member();
    const zk = await client(ens);
    await zk.create('/k', '-');
    const done: number[] = [];
    const calls: Promise<unknown>[] = [];
    let seq = 0;
    for (let i = 0; i < 100; i++) {
      const a = seq++;
      calls.push(zk.setData('/k', String(i)).then((stat) => (done.push(a), stat.version)));
      const b = seq++;
      calls.push(zk.getData('/k').then((r) => (done.push(b), text(r.data))));
      const c = seq++;
      calls.push(zk.exists('/k').then((stat) => (done.push(c), stat?.version)));
    }
    const results = await Promise.all(calls);
    expect(done).toEqual([...Array(seq).keys()]);
    for (let i = 0; i < 100; i++) {
      expect(results[3 * i]).toBe(i + 1);
      expect(results[3 * i + 1]).toBe(String(i));
      expect(results[3 * i + 2]).toBe(i + 1);
    }
  });

  it('a write failing validation still keeps its place in the session order', async () => {
    const ens = await member();
    const zk = await client(ens);
    const order: string[] = [];
    await Promise.all([
      zk.create('/o', 'a').then(() => order.push('create')),
      zk.setData('/o', 'b', 7).catch((e: { code?: number }) => order.push(`setData:${e.code}`)),
      zk.getData('/o').then((r) => order.push(`get:${text(r.data)}`)),
      zk.delete('/o').then(() => order.push('delete')),
      zk.exists('/o').then((s) => order.push(`exists:${s === null}`)),
    ]);
    expect(order).toEqual(['create', `setData:${ErrorCode.BADVERSION}`, 'get:a', 'delete', 'exists:true']);
  });
});

describe('in-process member: multi', () => {
  it('applies all of a multi or none of it', async () => {
    const ens = await member();
    const zk = await client(ens);
    await zk.create('/m', '');
    await expect(
      zk.multi([
        { type: 'create', path: '/m/a', data: '1' },
        { type: 'setData', path: '/m/missing', data: 'x' },
      ]),
    ).rejects.toThrow();
    expect(await zk.exists('/m/a')).toBeNull();
    const results = await zk.multi([
      { type: 'create', path: '/m/a', data: '1' },
      { type: 'create', path: '/m/b', data: '2' },
      { type: 'check', path: '/m', version: 0 },
      { type: 'setData', path: '/m', data: 'parent' },
    ]);
    expect(results.map((r) => r.type)).toEqual(['create', 'create', 'check', 'setData']);
    expect((await zk.getChildren('/m')).sort()).toEqual(['a', 'b']);
    expect(text((await zk.getData('/m')).data)).toBe('parent');
  });
});

describe('in-process member: watches', () => {
  it('delivers a watch event before the reply of the write that caused it', async () => {
    const ens = await member();
    const zk = await client(ens);
    await zk.create('/w', 'v0');
    const order: string[] = [];
    const fired = new Promise<WatchEvent>(
      (resolve) =>
        void zk.getData('/w', (e) => {
          order.push('event');
          resolve(e);
        }),
    );
    await zk.setData('/w', 'v1').then(() => order.push('reply'));
    const event = await fired;
    expect(event).toMatchObject({ type: EventType.NodeDataChanged, path: '/w' });
    expect(order).toEqual(['event', 'reply']);
  });

  it("other sessions' child watch and persistent recursive watch see every change", async () => {
    const ens = await member();
    const writer = await client(ens);
    const watcher = await client(ens);
    // A second session: on one connection a recursive watch on /r takes over /r's child watch
    // (ZooKeeper keeps one watch mode per connection and path, and recursive watches get no
    // NodeChildrenChanged).
    const childWatcher = await client(ens);
    await writer.create('/r', '');
    const child = new Promise<WatchEvent>((resolve) => void childWatcher.getChildren('/r', resolve));
    const recursive: WatchEvent[] = [];
    await watcher.addWatch('/r', 'recursive', (e) => recursive.push(e));
    await writer.create('/r/x', '');
    await writer.create('/r/x/y', '');
    await writer.setData('/r/x/y', 'z');
    await writer.delete('/r/x/y');
    expect(await child).toMatchObject({ type: EventType.NodeChildrenChanged, path: '/r' });
    // The watcher's own read is ordered after every event the server queued before it.
    await watcher.getData('/r');
    expect(recursive.map((e) => [e.type, e.path])).toEqual([
      [EventType.NodeCreated, '/r/x'],
      [EventType.NodeCreated, '/r/x/y'],
      [EventType.NodeDataChanged, '/r/x/y'],
      [EventType.NodeDeleted, '/r/x/y'],
    ]);
  });
});

describe('in-process member: sessions', () => {
  it("closing a session deletes its ephemerals, and another session's watch sees it", async () => {
    const ens = await member();
    const owner = await client(ens);
    const other = await client(ens);
    await owner.create('/eph', 'x', { mode: 'ephemeral' });
    const deleted = new Promise<WatchEvent>((resolve) => void other.exists('/eph', resolve));
    await owner.close();
    expect(await deleted).toMatchObject({ type: EventType.NodeDeleted, path: '/eph' });
    expect(await other.exists('/eph')).toBeNull();
  });

  it('a session that stops pinging expires once the injected clock passes its timeout; a longer one does not', async () => {
    const clock = new ManualClock();
    const ens = await member({ clock });
    const silent = await RawSession.open('127.0.0.1', ens.clientPorts[0]!, 4_000);
    open.raw.push(silent);
    const made = await silent.call(1, {
      op: 'create',
      path: '/silent',
      data: Buffer.from('x'),
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 1,
    });
    expect(made.err).toBe(ErrorCode.OK);
    const live = await client(ens, 600_000);
    await live.create('/live', '', { mode: 'ephemeral' });
    const deleted = new Promise<WatchEvent>((resolve) => void live.exists('/silent', resolve));

    clock.advance(silent.timeoutMs + 2 * 2000);
    expect(await deleted).toMatchObject({ type: EventType.NodeDeleted, path: '/silent' });
    await silent.closedByServer();
    expect(await live.exists('/live')).not.toBeNull();
    expect(live.state).toBe('CONNECTED');
  });
});

describe('in-process member: recovery', () => {
  it('after stop/start holds every acknowledged write, opens a new epoch and resumes the session', async () => {
    // snapCount=10: the restart recovers from a snapshot plus the log after it, not the log alone.
    const ens = await member({ extra: ['snapCount=10'] });
    const zk = await client(ens, 60_000);
    await zk.create('/p', '0');
    for (let i = 1; i <= 40; i++) await zk.setData('/p', String(i));
    await zk.create('/seq', '');
    const seqs = [];
    for (let i = 0; i < 3; i++)
      seqs.push((await zk.create('/seq/s-', '', { mode: 'persistent_sequential' })).path);
    await zk.create('/eph', '', { mode: 'ephemeral' });
    const before = (await zk.exists('/p'))!.mzxid;
    const session = zk.sessionId;
    expect(ens.servers[0]!.member.stats.snapshotsTaken).toBeGreaterThan(0);

    await ens.stopMember(0);
    await ens.startMember(0);

    await zk.waitForState('CONNECTED');
    expect(zk.sessionId).toBe(session);
    expect(text((await zk.getData('/p')).data)).toBe('40');
    expect(seqs).toEqual(['/seq/s-0000000000', '/seq/s-0000000001', '/seq/s-0000000002']);
    expect((await zk.create('/seq/s-', '', { mode: 'persistent_sequential' })).path).toBe(
      '/seq/s-0000000003',
    );
    expect(await zk.exists('/eph')).not.toBeNull();
    const after = (await zk.setData('/p', 'later')).mzxid;
    expect(epochOf(after)).toBeGreaterThan(epochOf(before));
  });
});
