import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { TreeCache } from '../../../libs/coordination/src/recipes/tree-cache.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, until } from '../client/helpers.js';
import { TcpProxy } from '../client/tcp-proxy.js';

/** path -> data of the whole subtree, read straight from the server. */
async function walk(zk: ZooKeeperClient, root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (p: string) => {
    const { data } = await zk.getData(p);
    out[p] = data.toString();
    for (const c of await zk.getChildren(p)) await visit(`${p}/${c}`);
  };
  if (await zk.exists(root)) await visit(root);
  return out;
}

function snapshot(cache: TreeCache): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [p, n] of cache.entries()) out[p] = n.data.toString();
  return out;
}

/** Records events as "kind path" strings. */
function record(cache: TreeCache): string[] {
  const log: string[] = [];
  cache.on('added', (p) => log.push(`added ${p}`));
  cache.on('updated', (p) => log.push(`updated ${p}`));
  cache.on('removed', (p) => log.push(`removed ${p}`));
  cache.on('initialized', () => log.push('initialized'));
  return log;
}

describeEachTarget('tree cache', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();
  const caches: TreeCache[] = [];
  const proxies: TcpProxy[] = [];

  beforeAll(async () => {
    zk = await target.start({ tickTime: 500 });
  });
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
    for (const p of proxies.splice(0)) await p.stop();
    await pool.closeAll();
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('loads an existing subtree, then follows creates, data changes and deletes at any depth', async () => {
    const w = await pool.open(zk.connectString);
    await w.create('/t1', 'root');
    await w.create('/t1/a', 'A');
    await w.create('/t1/a/b', 'B');
    await w.create('/other', 'not ours');
    const cache = new TreeCache({ client: await pool.open(zk.connectString), path: '/t1' });
    caches.push(cache);
    const log = record(cache);
    await cache.start();
    expect(snapshot(cache)).toEqual({ '/t1': 'root', '/t1/a': 'A', '/t1/a/b': 'B' });
    expect(log.at(-1)).toBe('initialized');
    expect(log.filter((l) => l.startsWith('added')).sort()).toEqual([
      'added /t1',
      'added /t1/a',
      'added /t1/a/b',
    ]);
    log.length = 0;

    // One step at a time, each awaited in the cache, so the expected event log is exact.
    const inSync = async (what: string) => {
      const server = await walk(w, '/t1');
      await until(
        () => JSON.stringify(snapshot(cache)) === JSON.stringify(server),
        `cache = server after ${what}`,
      );
    };
    await w.create('/t1/a/b/c', 'C');
    await inSync('create c');
    await w.setData('/t1/a', 'A2');
    await inSync('set a');
    await w.create('/t1/d', 'D');
    await inSync('create d');
    await w.delete('/t1/a/b/c');
    await inSync('delete c');
    await w.setData('/other', 'ignored');
    await w.delete('/t1/a/b');
    await inSync('delete b');
    await cache.idle();
    expect(snapshot(cache)).toEqual({ '/t1': 'root', '/t1/a': 'A2', '/t1/d': 'D' });
    expect(log).toEqual([
      'added /t1/a/b/c',
      'updated /t1/a',
      'added /t1/d',
      'removed /t1/a/b/c',
      'removed /t1/a/b',
    ]);
    expect(cache.children('/t1').sort()).toEqual(['a', 'd']);
    expect(cache.get('/t1/a')!.stat.version).toBe(1);
  });

  it('starts on a missing root and fills in once it is created', async () => {
    const w = await pool.open(zk.connectString);
    const cache = new TreeCache({ client: await pool.open(zk.connectString), path: '/t2' });
    caches.push(cache);
    await cache.start();
    expect(cache.entries().size).toBe(0);
    await w.create('/t2', 'r');
    await w.create('/t2/x', 'X');
    await until(() => cache.get('/t2/x')?.data.toString() === 'X', 'child of a late root');
    await w.delete('/t2/x');
    await w.delete('/t2');
    await until(() => cache.entries().size === 0, 'root removed');
  });

  it('resyncs after a partition: what changed while cut off shows up as added/updated/removed', async () => {
    const w = await pool.open(zk.connectString);
    await w.create('/t3', '');
    await w.create('/t3/keep', 'k');
    await w.create('/t3/change', 'v1');
    await w.create('/t3/gone', 'g');
    await w.create('/t3/gone/child', 'gc');
    const proxy = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await proxy.start();
    proxies.push(proxy);
    const c = await pool.open(proxy.connectString, { sessionTimeout: 10_000 });
    const cache = new TreeCache({ client: c, path: '/t3' });
    caches.push(cache);
    await cache.start();
    const log = record(cache);

    proxy.cut();
    await c.waitForState('DISCONNECTED');
    await w.setData('/t3/change', 'v2');
    await w.delete('/t3/gone/child');
    await w.delete('/t3/gone');
    await w.create('/t3/new', 'n');
    await w.create('/t3/new/deep', 'd');
    proxy.restore();
    await c.waitForState('CONNECTED');
    await until(() => log.includes('initialized'), 'resync done');
    await cache.idle();
    expect(snapshot(cache)).toEqual(await walk(w, '/t3'));
    expect(log.filter((l) => l !== 'initialized').sort()).toEqual(
      [
        'added /t3/new',
        'added /t3/new/deep',
        'removed /t3/gone',
        'removed /t3/gone/child',
        'updated /t3/change',
      ].sort(),
    );
    // And the re-added recursive watch still works.
    await w.setData('/t3/keep', 'k2');
    await until(() => cache.get('/t3/keep')?.data.toString() === 'k2', 'event after resume');
  });

  it('moves to a new session after expiry (client factory) and resyncs what changed meanwhile', async () => {
    const w = await pool.open(zk.connectString);
    await w.create('/t5', '');
    await w.create('/t5/a', 'a1');
    const proxy = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await proxy.start();
    proxies.push(proxy);
    const first = await pool.open(proxy.connectString, { sessionTimeout: 4000 });
    const made: ZooKeeperClient[] = [];
    const cache = new TreeCache({
      client: first,
      path: '/t5',
      clientFactory: async () => {
        const c = await ZooKeeperClient.connect(zk.connectString, { sessionTimeout: 4000 });
        made.push(c);
        return c;
      },
    });
    caches.push(cache);
    await cache.start();
    proxy.cut();
    await first.waitForState('DISCONNECTED');
    const twin = await ZooKeeperClient.connect(zk.connectString, {
      sessionId: first.sessionId,
      sessionPassword: first.sessionPassword,
    });
    await twin.close();
    await w.setData('/t5/a', 'a2');
    await w.create('/t5/b', 'b');
    proxy.restore();
    await until(
      () => cache.get('/t5/b') !== undefined && cache.get('/t5/a')?.data.toString() === 'a2',
      'resynced on the new session',
      20_000,
    );
    expect(cache.client).toBe(made[0]);
    await w.delete('/t5/b');
    await until(() => cache.get('/t5/b') === undefined, 'watch works on the new session');
    await cache.close();
    expect(made[0]!.state).toBe('CLOSED');
  });

  it('honours maxDepth', async () => {
    const w = await pool.open(zk.connectString);
    await w.create('/t4', '');
    await w.create('/t4/a', '');
    await w.create('/t4/a/deep', '');
    const cache = new TreeCache({ client: await pool.open(zk.connectString), path: '/t4', maxDepth: 1 });
    caches.push(cache);
    await cache.start();
    await w.create('/t4/b', '');
    await w.create('/t4/a/deeper', '');
    await until(() => cache.get('/t4/b') !== undefined, 'depth-1 create');
    await cache.idle();
    expect([...cache.entries().keys()].sort()).toEqual(['/t4', '/t4/a', '/t4/b']);
  });
});
