import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { RoundRobinStrategy } from '../../../libs/coordination/src/recipes/provider-strategy.js';
import { ServiceDiscovery } from '../../../libs/coordination/src/recipes/service-discovery.js';
import { parseInstance, serviceInstance } from '../../../libs/coordination/src/recipes/service-instance.js';
import { ServiceRegistry, instancePath } from '../../../libs/coordination/src/recipes/service-registry.js';
import type { Ensemble } from '../../support/ensemble.js';
import { spawnMember, stopMember, tail, type MemberProcess } from '../../support/member-process.js';
import { REPO_ROOT } from '../../support/registrar-member.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, until } from '../client/helpers.js';
import { TcpProxy } from '../client/tcp-proxy.js';

const INSTANCE_SCRIPT = 'test/interop/recipes/discovery-instance.ts';

describeEachTarget('service registry and discovery', (target) => {
  let zk: Ensemble;
  let dir: string;
  const pool = new ClientPool();
  const closers: Array<{ close(): Promise<void> }> = [];
  const procs: MemberProcess[] = [];
  const proxies: TcpProxy[] = [];

  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    closers.push(x);
    return x;
  };

  beforeAll(async () => {
    // tickTime 500: sessions of 1 s .. 10 s, expiry checked every tick.
    zk = await target.start({ tickTime: 500 });
    dir = mkdtempSync(join(tmpdir(), 'registrar-discovery-'));
  });
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c.close();
    for (const p of procs.splice(0)) await stopMember(p, 1000);
    for (const p of proxies.splice(0)) await p.stop();
    await pool.closeAll();
  });
  afterAll(async () => {
    await zk?.stop();
    if (process.env['KEEP_DISCOVERY_LOGS'] === undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('registers Curator-layout ephemerals under container parents; caches follow register/unregister; round-robin alternates', async () => {
    const registryA = track(
      new ServiceRegistry({ client: await pool.open(zk.connectString), basePath: '/reg1/services' }),
    );
    const registryB = track(
      new ServiceRegistry({ client: await pool.open(zk.connectString), basePath: '/reg1/services' }),
    );
    const discovery = track(
      new ServiceDiscovery({ client: await pool.open(zk.connectString), basePath: '/reg1/services' }),
    );
    const cache = await discovery.serviceCache('echo');
    const events: string[] = [];
    cache.on('added', (i) => events.push(`added ${i.id}`));
    cache.on('removed', (i) => events.push(`removed ${i.id}`));

    const a = serviceInstance({
      name: 'echo',
      id: 'a',
      address: '127.0.0.1',
      port: 5001,
      payload: { zone: 'x' },
      uriSpec: '{scheme}://{address}:{port}',
    });
    const b = serviceInstance({ name: 'echo', id: 'b', address: '127.0.0.1', port: 5002 });
    await registryA.register(a);
    await registryB.register(b);
    await until(() => cache.instances().length === 2, 'both instances cached');

    // The znode is an ephemeral of the registering session holding Curator's JSON field by field.
    const raw = await registryA.client.getData(instancePath('/reg1/services', 'echo', 'a'));
    expect(raw.stat.ephemeralOwner).toBe(registryA.client.sessionId);
    expect(Object.keys(JSON.parse(raw.data.toString()))).toEqual([
      'name',
      'id',
      'address',
      'port',
      'sslPort',
      'payload',
      'registrationTimeUTC',
      'serviceType',
      'uriSpec',
    ]);
    expect(parseInstance(raw.data)).toEqual(a);
    expect(await discovery.serviceNames()).toEqual(['echo']);

    const provider = discovery.provider('echo', new RoundRobinStrategy());
    const picks = [];
    for (let i = 0; i < 4; i++) picks.push((await provider.getInstance())!.id);
    expect(picks).toEqual(['a', 'b', 'a', 'b']);

    await registryB.unregister(b);
    await until(() => cache.instances().length === 1, 'b gone');
    expect(events).toEqual(['added a', 'added b', 'removed b']);
    expect((await provider.getInstance())!.id).toBe('a');
  });

  it('replaces a node left by another (stale) session on NodeExists, atomically', async () => {
    const stale = await pool.open(zk.connectString);
    const inst = serviceInstance({ name: 'svc', id: 'same-id', address: '127.0.0.1', port: 6000 });
    const path = instancePath('/reg2', 'svc', 'same-id');
    await stale.create('/reg2', '');
    await stale.create('/reg2/svc', '');
    await stale.create(path, 'left over by a crashed process', { mode: 'ephemeral' });

    const client = await pool.open(zk.connectString);
    const registry = track(new ServiceRegistry({ client, basePath: '/reg2' }));
    await registry.register(inst);
    const { data, stat } = await client.getData(path);
    expect(stat.ephemeralOwner).toBe(client.sessionId);
    expect(parseInstance(data).port).toBe(6000);

    // Registering again from the owning session just rewrites the data.
    await registry.register({ ...inst, port: 6001 });
    const again = await client.getData(path);
    expect(again.stat.czxid).toBe(stat.czxid);
    expect(parseInstance(again.data).port).toBe(6001);
  });

  it('re-registers on a new session after expiry (client factory) and after a reconnect when the node is missing', async () => {
    const proxy = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await proxy.start();
    proxies.push(proxy);
    const first = await pool.open(proxy.connectString, { sessionTimeout: 4000 });
    const made: ZooKeeperClient[] = [];
    const registry = track(
      new ServiceRegistry({
        client: first,
        basePath: '/reg3',
        clientFactory: async () => {
          const c = await ZooKeeperClient.connect(zk.connectString, { sessionTimeout: 4000 });
          made.push(c);
          return c;
        },
      }),
    );
    const reasons: string[] = [];
    registry.on('registered', (_i, why) => reasons.push(why));
    const discovery = track(
      new ServiceDiscovery({ client: await pool.open(zk.connectString), basePath: '/reg3' }),
    );
    const cache = await discovery.serviceCache('svc');
    await registry.register(serviceInstance({ name: 'svc', id: 'i1', address: '127.0.0.1', port: 7000 }));
    await until(() => cache.instances().length === 1, 'registered');

    // Reconnect with the node missing (someone deleted it): it is put back.
    const observer = await pool.open(zk.connectString);
    proxy.cut();
    await first.waitForState('DISCONNECTED');
    await observer.delete(instancePath('/reg3', 'svc', 'i1'));
    proxy.restore();
    await until(() => reasons.includes('reconnect'), 're-registered after reconnect');
    await until(() => cache.instances().length === 1, 'back in the cache');

    // Expiry: the session is closed behind the registry's back while it is cut off.
    proxy.cut();
    await first.waitForState('DISCONNECTED');
    const twin = await ZooKeeperClient.connect(zk.connectString, {
      sessionId: first.sessionId,
      sessionPassword: first.sessionPassword,
    });
    await twin.close();
    await until(() => cache.instances().length === 0, 'expired instance left the cache');
    proxy.restore();
    await until(() => reasons.includes('new-session'), 're-registered on a new session', 20_000);
    await until(() => cache.instances().length === 1, 'back after expiry');
    const stat = await observer.exists(instancePath('/reg3', 'svc', 'i1'));
    expect(stat!.ephemeralOwner).toBe(made[0]!.sessionId);
  });

  it('kill -9 of an instance process: it leaves every discovery cache once its session expires', async () => {
    const SESSION_MS = 2000;
    const caches = await Promise.all(
      [0, 1, 2].map(async () =>
        track(new ServiceDiscovery({ client: await pool.open(zk.connectString) })).serviceCache('victim'),
      ),
    );
    const spawnInstance = (id: string, port: number) => {
      const p = spawnMember(
        process.execPath,
        [
          '--import',
          'tsx',
          INSTANCE_SCRIPT,
          zk.connectString,
          'victim',
          id,
          String(port),
          String(SESSION_MS),
        ],
        { cwd: REPO_ROOT, outFile: join(dir, `${id}.log`) },
      );
      procs.push(p);
      return p;
    };
    const doomed = spawnInstance('doomed', 8001);
    const survivor = spawnInstance('survivor', 8002);
    for (const c of caches) {
      await until(
        () => c.instances().length === 2,
        `both processes registered (${tail(doomed.outFile, 5)})`,
        30_000,
      );
    }

    const t0 = Date.now();
    process.kill(doomed.pid, 'SIGKILL');
    await doomed.exited;
    const leftAfter = await Promise.all(
      caches.map(async (c) => {
        await until(() => !c.instances().some((i) => i.id === 'doomed'), 'doomed instance gone', 15_000);
        return Date.now() - t0;
      }),
    );
    console.log(
      `[discovery ${target.name}] killed instance left the 3 caches after ${leftAfter.join(', ')} ms (session ${SESSION_MS} ms)`,
    );
    // Gone by the session's expiry (checked per tick on the server, then the watch events), not by
    // some later sweep: inside two session timeouts even on a loaded 2-core machine.
    for (const ms of leftAfter) expect(ms).toBeLessThan(2 * SESSION_MS);
    for (const c of caches) expect(c.instances().map((i) => i.id)).toEqual(['survivor']);
    expect(survivor.hasExited()).toBe(false);
  });
});
