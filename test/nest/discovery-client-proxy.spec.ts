import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientProxyFactory, ClientsModule, type ClientProxy } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../libs/coordination/src/client/index.js';
import { ServiceDiscovery } from '../../libs/coordination/src/recipes/service-discovery.js';
import {
  CoordinationModule,
  DiscoveryClientProxy,
  NoInstanceError,
} from '../../libs/coordination-nest/src/index.js';
import type { Ensemble } from '../support/ensemble.js';
import { spawnMember, stopMember, type MemberProcess } from '../support/member-process.js';
import { freePort } from '../support/ports.js';
import { REPO_ROOT } from '../support/registrar-member.js';
import { describeEachTarget } from '../support/targets.js';
import { until } from '../interop/client/helpers.js';
import { ECHO_SERVICE, startEcho, type RunningEcho } from './fixtures/echo-service.js';

const ECHO_PROCESS = 'test/nest/fixtures/echo-process.ts';
const SESSION_MS = 2000;

describeEachTarget('DiscoveryClientProxy', (target) => {
  let zk: Ensemble;
  let dir: string;
  let discoveryClient: ZooKeeperClient;
  let discovery: ServiceDiscovery;
  const echoes: RunningEcho[] = [];
  const procs: MemberProcess[] = [];
  const proxies: DiscoveryClientProxy[] = [];

  const newProxy = (opts: Partial<ConstructorParameters<typeof DiscoveryClientProxy>[0]> = {}) => {
    const p = ClientProxyFactory.create({
      customClass: DiscoveryClientProxy,
      options: { service: ECHO_SERVICE, discovery, ...opts },
    }) as DiscoveryClientProxy;
    proxies.push(p);
    return p;
  };
  const call = (p: DiscoveryClientProxy, n: number) =>
    firstValueFrom(p.send<{ id: string; n: number }>('whoami', { n }));

  beforeAll(async () => {
    zk = await target.start({ tickTime: 500 });
    dir = mkdtempSync(join(tmpdir(), 'registrar-nest-discovery-'));
    discoveryClient = await ZooKeeperClient.connect(zk.connectString, { sessionTimeout: 8000 });
    discovery = new ServiceDiscovery({ client: discoveryClient });
  });
  afterEach(async () => {
    for (const p of proxies.splice(0)) p.close();
    for (const e of echoes.splice(0)) await e.close();
    for (const p of procs.splice(0)) await stopMember(p, 1000);
  });
  afterAll(async () => {
    await discovery?.close();
    await discoveryClient?.close();
    await zk?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with NoInstanceError when nothing is registered, and passes handler errors through without retrying', async () => {
    const proxy = newProxy();
    await expect(call(proxy, 0)).rejects.toBeInstanceOf(NoInstanceError);

    echoes.push(
      await startEcho({
        id: 'solo',
        port: await freePort(),
        connectString: zk.connectString,
        sessionTimeout: 8000,
      }),
    );
    const cache = await discovery.serviceCache(ECHO_SERVICE);
    await until(() => cache.instances().length === 1, 'solo registered');
    expect(await call(proxy, 1)).toEqual({ id: 'solo', n: 1 });
    // A remote handler error is the caller's business: not an Error, not retried.
    const err = await firstValueFrom(proxy.send('fail', {})).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(Error);
    expect(err).toMatchObject({ reason: 'handler failed', id: 'solo' });
  });

  it('wires into a Nest app through ClientsModule.registerAsync with the module-provided ServiceDiscovery', async () => {
    echoes.push(
      await startEcho({
        id: 'wired',
        port: await freePort(),
        connectString: zk.connectString,
        sessionTimeout: 8000,
      }),
    );
    const moduleRef = await Test.createTestingModule({
      imports: [
        CoordinationModule.forRoot({ connectString: zk.connectString, sessionTimeout: 8000, isGlobal: true }),
        ClientsModule.registerAsync([
          {
            name: 'ECHO',
            inject: [ServiceDiscovery],
            useFactory: (d: ServiceDiscovery) => ({
              customClass: DiscoveryClientProxy,
              options: { service: ECHO_SERVICE, discovery: d },
            }),
          },
        ]),
      ],
    }).compile();
    await moduleRef.init();
    try {
      const proxy = moduleRef.get<ClientProxy>('ECHO');
      expect(proxy).toBeInstanceOf(DiscoveryClientProxy);
      const d = moduleRef.get(ServiceDiscovery);
      const cache = await d.serviceCache(ECHO_SERVICE);
      await until(() => cache.instances().some((i) => i.id === 'wired'), 'wired instance visible');
      expect(await firstValueFrom(proxy.send('whoami', { n: 7 }))).toEqual({ id: 'wired', n: 7 });
    } finally {
      await moduleRef.close();
    }
  });

  it('balances round-robin; after kill -9 of one instance process every call still succeeds on the survivors', async () => {
    const cache = await discovery.serviceCache(ECHO_SERVICE);
    for (const id of ['in-a', 'in-b']) {
      echoes.push(
        await startEcho({
          id,
          port: await freePort(),
          connectString: zk.connectString,
          sessionTimeout: 8000,
        }),
      );
    }
    const port = await freePort();
    const victim = spawnMember(
      process.execPath,
      ['--import', 'tsx', ECHO_PROCESS, zk.connectString, 'proc-c', String(port), String(SESSION_MS)],
      { cwd: REPO_ROOT, outFile: join(dir, 'proc-c.log') },
    );
    procs.push(victim);
    await until(() => cache.instances().length === 3, 'three instances registered', 30_000);

    const proxy = newProxy();
    await proxy.connect();
    const served: string[] = [];
    for (let n = 0; n < 30; n++) served.push((await call(proxy, n)).id);
    const count = (id: string, list: string[]) => list.filter((x) => x === id).length;
    expect([count('in-a', served), count('in-b', served), count('proc-c', served)]).toEqual([10, 10, 10]);

    process.kill(victim.pid, 'SIGKILL');
    await victim.exited;
    const killedAt = Date.now();
    // Calls right after the kill: proc-c is still listed until its session expires, so some calls
    // pick it, fail to connect, and move on. None of that reaches the caller.
    const after: string[] = [];
    let failures = 0;
    while (Date.now() - killedAt < SESSION_MS + 1500 || cache.instances().length > 2) {
      const batch = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => call(proxy, i)));
      for (const r of batch) {
        if (r.status === 'fulfilled') after.push(r.value.id);
        else failures++;
      }
      if (Date.now() - killedAt > 15_000) break;
    }
    expect(failures).toBe(0);
    // The dead instance was picked and the call moved on (the retry path really ran).
    expect(proxy.retries).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(new Set(after)).toEqual(new Set(['in-a', 'in-b']));
    expect(
      cache
        .instances()
        .map((i) => i.id)
        .sort(),
    ).toEqual(['in-a', 'in-b']);
    console.log(
      `[client-proxy ${target.name}] ${after.length} calls after kill -9, 0 errors, ${proxy.retries} calls moved to another instance`,
    );
  });
});
