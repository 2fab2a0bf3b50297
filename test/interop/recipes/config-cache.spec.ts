import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { BadVersionError } from '../../../libs/coordination/src/protocol/errors.js';
import { ConfigCache } from '../../../libs/coordination/src/recipes/config-cache.js';
import {
  ConfigValidationError,
  ConflictError,
} from '../../../libs/coordination/src/recipes/config-cache-errors.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, until } from '../client/helpers.js';
import { TcpProxy } from '../client/tcp-proxy.js';

interface Counter {
  count: number;
  writer: string;
}

function parseCounter(v: unknown): Counter {
  const c = v as Counter;
  if (typeof c !== 'object' || c === null || typeof c.count !== 'number') throw new Error('not a counter');
  return c;
}

/** Records the versions a cache emits and checks they only go up. */
function trackVersions(cache: ConfigCache<Counter>): number[] {
  const versions: number[] = [];
  cache.on('change', (s) => versions.push(s.version));
  return versions;
}

const strictlyIncreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]!);

describeEachTarget('config cache', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();
  const caches: ConfigCache<Counter>[] = [];
  const proxies: TcpProxy[] = [];

  const open = (cs?: string, timeout = 8000) =>
    pool.open(cs ?? zk.connectString, { sessionTimeout: timeout });
  const cacheOn = async (client: ZooKeeperClient, path: string) => {
    const c = new ConfigCache<Counter>({ client, path, validate: parseCounter });
    caches.push(c);
    await c.start();
    return c;
  };

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

  it('follows create, set, delete and re-create; CAS conflicts are typed', async () => {
    const writer = await open();
    const cache = await cacheOn(await open(), '/cfg-basic');
    const versions = trackVersions(cache);
    expect(cache.value).toBeUndefined();
    expect(cache.version).toBe(-1);

    await writer.create('/cfg-basic', JSON.stringify({ count: 1, writer: 'w' }));
    await until(() => cache.value?.count === 1, 'created value');
    expect(cache.version).toBe(0);

    const s = await cache.set({ count: 2, writer: 'cache' }, 0);
    // read-your-writes: applied before any watch event arrives
    expect(s.version).toBe(1);
    expect(cache.value).toEqual({ count: 2, writer: 'cache' });

    const err = await cache.set({ count: 3, writer: 'cache' }, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toBeInstanceOf(BadVersionError);
    expect((err as ConflictError).expectedVersion).toBe(0);
    expect((err as ConflictError).code).toBe(-103);
    expect(cache.version).toBe(1);

    await writer.delete('/cfg-basic');
    await until(() => cache.version === -1, 'deletion seen');
    expect(cache.value).toBeUndefined();

    await writer.create('/cfg-basic', JSON.stringify({ count: 10, writer: 'w' }));
    await until(() => cache.value?.count === 10, 're-created value');
    expect(cache.version).toBe(0);
    // versions per incarnation: 0,1 then deleted (-1) then 0 of the new node
    expect(versions).toEqual([0, 1, -1, 0]);
  });

  it('catchUp: right after another session writes, the cache already holds that write', async () => {
    const path = '/cfg-catch-up';
    const writer = await open();
    await writer.create(path, JSON.stringify({ count: 0, writer: 'w' }));
    const cache = await cacheOn(await open(), path);
    // The writer's reply and our watch notification leave the server together; only sync + read
    // orders this session behind the write, so a catchUp that merely waited would lag here.
    for (let i = 1; i <= 50; i++) {
      const stat = await writer.setData(path, JSON.stringify({ count: i, writer: 'w' }));
      await cache.catchUp();
      expect(cache.version, `write ${i}`).toBe(stat.version);
      expect(cache.value?.count, `write ${i}`).toBe(i);
    }
  });

  it('rejects invalid data through the validator and keeps the last good value', async () => {
    const writer = await open();
    await writer.create('/cfg-invalid', JSON.stringify({ count: 5, writer: 'w' }));
    const cache = await cacheOn(await open(), '/cfg-invalid');
    const invalid: ConfigValidationError[] = [];
    cache.on('invalid', (e) => invalid.push(e));
    expect(cache.value?.count).toBe(5);

    await writer.setData('/cfg-invalid', JSON.stringify({ nope: true }));
    // Reads are coalesced, so wait for the first report before the second bad write.
    await until(() => invalid.length === 1, 'first invalid report');
    await writer.setData('/cfg-invalid', '{not json');
    await until(() => invalid.length === 2, 'two invalid reports');
    expect(invalid[0]).toBeInstanceOf(ConfigValidationError);
    expect(invalid.map((e) => e.stat.version)).toEqual([1, 2]);
    expect(cache.value?.count).toBe(5);
    expect(cache.version).toBe(0);

    await writer.setData('/cfg-invalid', JSON.stringify({ count: 6, writer: 'w' }));
    await until(() => cache.value?.count === 6, 'valid again');
    expect(cache.version).toBe(3);
  });

  it('1,000 version-checked updates from 4 writers: every cache ends on the last version, versions only increase, a cut-off cache catches up', async () => {
    const path = '/cfg-race';
    const WRITERS = 4;
    const TOTAL = 1000;
    const seed = await open();
    await seed.create(path, JSON.stringify({ count: 0, writer: 'seed' }));

    // Observers: two direct, one through a proxy we cut mid-run, one we drop with the client hook.
    const proxy = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await proxy.start();
    proxies.push(proxy);
    const blipped = await open();
    const observers = [
      await cacheOn(await open(), path),
      await cacheOn(await open(), path),
      await cacheOn(await open(proxy.connectString, 10_000), path),
      await cacheOn(blipped, path),
    ];
    const observed = observers.map(trackVersions);

    const writers = await Promise.all(
      Array.from({ length: WRITERS }, async () => cacheOn(await open(), path)),
    );
    const writerVersions = writers.map(trackVersions);
    let done = 0;
    let conflicts = 0;
    const loops = writers.map(async (w, wi) => {
      for (let i = 0; i < TOTAL / WRITERS; i++) {
        await w.update((cur) => {
          if (cur === undefined) throw new Error('node vanished');
          return { count: cur.count + 1, writer: `w${wi}` };
        });
        done++;
      }
    });
    // Count how often CAS lost (a real race, not serial writes).
    for (const w of writers) {
      const set = w.set.bind(w);
      w.set = async (v, ver) => {
        try {
          return await set(v, ver);
        } catch (e) {
          if (e instanceof ConflictError) conflicts++;
          throw e;
        }
      };
    }

    await until(() => done >= 150, 'some progress');
    proxy.cut();
    blipped.dropConnection();
    await until(() => done >= 500, 'progress while cut off', 60_000);
    const frozenAt = observers[2]!.version;
    expect(frozenAt).toBeLessThan(500);
    proxy.restore();
    await Promise.all(loops);

    const final = await seed.getData(path);
    expect(final.stat.version).toBe(TOTAL);
    expect(JSON.parse(final.data.toString()).count).toBe(TOTAL);
    for (const [i, c] of [...observers, ...writers].entries()) {
      await until(() => c.version === TOTAL, `cache ${i} reaches version ${TOTAL}`, 30_000);
      expect(c.value?.count).toBe(TOTAL);
    }
    for (const versions of [...observed, ...writerVersions]) {
      expect(strictlyIncreasing(versions)).toBe(true);
      expect(versions.at(-1)).toBe(TOTAL);
    }
    // The cut-off cache jumped from where it froze straight to newer versions.
    expect(observed[2]!.some((v) => v > frozenAt)).toBe(true);
    console.log(
      `[config-cache ${target.name}] ${TOTAL} updates, ${conflicts} CAS conflicts; events seen per observer: ${observed
        .map((v) => v.length)
        .join(', ')}`,
    );
    expect(conflicts).toBeGreaterThan(0);
  });

  it('re-reads after a reconnect: a change made while cut off (no later writes) is picked up', async () => {
    const path = '/cfg-resume';
    const writer = await open();
    await writer.create(path, JSON.stringify({ count: 1, writer: 'w' }));
    const proxy = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await proxy.start();
    proxies.push(proxy);
    const c = await open(proxy.connectString, 10_000);
    const cache = await cacheOn(c, path);
    const sid = c.sessionId;
    proxy.cut();
    await c.waitForState('DISCONNECTED');
    await writer.setData(path, JSON.stringify({ count: 2, writer: 'w' }));
    proxy.restore();
    await c.waitForState('CONNECTED');
    expect(c.sessionId).toBe(sid);
    // The server re-adds persistent watches silently on resume: only the re-read can find this.
    await until(() => cache.value?.count === 2, 'value written while cut off');
    expect(cache.version).toBe(1);
  });

  it('survives session expiry through the client factory and re-reads what changed meanwhile', async () => {
    const path = '/cfg-expiry';
    const writer = await open();
    await writer.create(path, JSON.stringify({ count: 1, writer: 'w' }));
    const made: ZooKeeperClient[] = [];
    const proxy = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await proxy.start();
    proxies.push(proxy);
    const first = await open(proxy.connectString, 4000);
    const cache = new ConfigCache<Counter>({
      client: first,
      path,
      validate: parseCounter,
      clientFactory: async () => {
        const c = await ZooKeeperClient.connect(zk.connectString, { sessionTimeout: 4000 });
        made.push(c);
        return c;
      },
    });
    caches.push(cache);
    await cache.start();
    const versions = trackVersions(cache);

    // Kill the session from outside while the cache is cut off: a twin resumes it and closes it,
    // then the cache reconnects and hears that its session expired.
    proxy.cut();
    await first.waitForState('DISCONNECTED');
    const twin = await ZooKeeperClient.connect(zk.connectString, {
      sessionId: first.sessionId,
      sessionPassword: first.sessionPassword,
    });
    await twin.close();
    await writer.setData(path, JSON.stringify({ count: 2, writer: 'w' }));
    proxy.restore();
    await until(() => first.state === 'EXPIRED' || first.state === 'CLOSED', 'first session gone', 20_000);
    await until(() => cache.value?.count === 2, 'catch-up on the new session', 20_000);
    expect(made.length).toBe(1);
    expect(cache.client).toBe(made[0]);
    expect(cache.client.sessionId).not.toBe(first.sessionId);

    // The new session's persistent watch works.
    await writer.setData(path, JSON.stringify({ count: 3, writer: 'w' }));
    await until(() => cache.value?.count === 3, 'event on the new session');
    expect(versions).toEqual([1, 2]);
    await cache.close();
    expect(made[0]!.state).toBe('CLOSED');
  });
});
