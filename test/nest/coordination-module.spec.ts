import 'reflect-metadata';
import { ServiceUnavailableException } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../libs/coordination/src/client/index.js';
import { EventType } from '../../libs/coordination/src/protocol/constants.js';
import { serviceInstance } from '../../libs/coordination/src/recipes/service-instance.js';
import { ServiceDiscovery } from '../../libs/coordination/src/recipes/service-discovery.js';
import { ServiceRegistry } from '../../libs/coordination/src/recipes/service-registry.js';
import {
  COORDINATION_CLIENT,
  CoordinationHealthIndicator,
  CoordinationModule,
  coordinationOptionsFromConfig,
} from '../../libs/coordination-nest/src/index.js';
import type { Ensemble } from '../support/ensemble.js';
import { describeEachTarget } from '../support/targets.js';
import { TcpProxy } from '../interop/client/tcp-proxy.js';
import { until } from '../interop/client/helpers.js';

describeEachTarget('CoordinationModule', (target) => {
  let zk: Ensemble;
  let observer: ZooKeeperClient;
  const modules: TestingModule[] = [];
  const proxies: TcpProxy[] = [];

  /** A Nest app configured only through @nestjs/config (as the services are). */
  const boot = async (env: Record<string, string>) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => env] }),
        TerminusModule,
        CoordinationModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => coordinationOptionsFromConfig(config),
        }),
      ],
    }).compile();
    modules.push(moduleRef);
    await moduleRef.init();
    return moduleRef;
  };

  beforeAll(async () => {
    zk = await target.start({ tickTime: 500 });
    observer = await ZooKeeperClient.connect(zk.connectString, { sessionTimeout: 8000 });
    await observer.create('/app', '');
  });
  afterEach(async () => {
    for (const m of modules.splice(0)) await m.close();
    for (const p of proxies.splice(0)) await p.stop();
  });
  afterAll(async () => {
    await observer?.close();
    await zk?.stop();
  });

  it('injects a connected client built from config: chroot, session timeout and auth applied', async () => {
    const app = await boot({
      COORDINATION_CONNECT_STRING: zk.connectString,
      COORDINATION_CHROOT: '/app',
      COORDINATION_SESSION_TIMEOUT_MS: '6000',
      COORDINATION_AUTH: 'digest:svc:secret',
    });
    const client = app.get<ZooKeeperClient>(COORDINATION_CLIENT);
    expect(client).toBeInstanceOf(ZooKeeperClient);
    expect(client.state).toBe('CONNECTED');
    expect(client.sessionTimeout).toBe(6000);
    expect(client.chroot).toBe('/app');
    await client.create('/from-nest', 'x');
    expect((await observer.getData('/app/from-nest')).data.toString()).toBe('x');
    expect(await client.whoAmI()).toContainEqual({ scheme: 'digest', user: 'svc' });
    // The recipes share the module's session.
    expect(app.get(ServiceRegistry).client).toBe(client);
    expect(app.get(ServiceDiscovery).client).toBe(client);
  });

  it('rejects bad configuration at boot with the key named', async () => {
    await expect(
      boot({ COORDINATION_CONNECT_STRING: zk.connectString, COORDINATION_SESSION_TIMEOUT_MS: 'soon' }),
    ).rejects.toThrow(/COORDINATION_SESSION_TIMEOUT_MS/);
  });

  it('health indicator: up while connected, down while cut off, up again after the resume', async () => {
    const proxy = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await proxy.start();
    proxies.push(proxy);
    const app = await boot({
      COORDINATION_CONNECT_STRING: proxy.connectString,
      COORDINATION_SESSION_TIMEOUT_MS: '10000',
    });
    const indicator = app.get(CoordinationHealthIndicator);
    const health = app.get(HealthCheckService);
    const client = app.get<ZooKeeperClient>(COORDINATION_CLIENT);

    const up = await health.check([() => indicator.isHealthy('coordinator')]);
    expect(up.status).toBe('ok');
    expect(up.info?.['coordinator']).toMatchObject({ status: 'up', state: 'CONNECTED' });

    proxy.cut();
    await client.waitForState('DISCONNECTED');
    expect(indicator.isHealthy('coordinator')).toMatchObject({
      coordinator: { status: 'down', state: 'DISCONNECTED' },
    });
    const down = await health.check([() => indicator.isHealthy('coordinator')]).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ServiceUnavailableException);

    proxy.restore();
    await client.waitForState('CONNECTED');
    expect(indicator.isHealthy('coordinator')).toMatchObject({ coordinator: { status: 'up' } });
  });

  it('app shutdown closes the session: its ephemerals vanish at once for another observer', async () => {
    const app = await boot({
      COORDINATION_CONNECT_STRING: zk.connectString,
      COORDINATION_SESSION_TIMEOUT_MS: '10000',
    });
    const client = app.get<ZooKeeperClient>(COORDINATION_CLIENT);
    await client.create('/app/lease', '', { mode: 'ephemeral' });
    await app
      .get(ServiceRegistry)
      .register(serviceInstance({ name: 'shutdown-svc', id: 'only', address: '127.0.0.1', port: 9999 }));
    const events: EventType[] = [];
    await observer.exists('/app/lease', (e) => events.push(e.type));
    const watcher = new ServiceDiscovery({ client: observer });
    const cache = await watcher.serviceCache('shutdown-svc');
    expect(cache.instances().map((i) => i.id)).toEqual(['only']);

    const t0 = Date.now();
    await app.close();
    modules.splice(modules.indexOf(app), 1);
    await until(
      () => events.includes(EventType.NodeDeleted) && cache.instances().length === 0,
      'ephemerals gone',
      client.sessionTimeout,
    );
    const ms = Date.now() - t0;
    // Well inside the 10 s session timeout: the session was closed, not left to expire.
    expect(ms).toBeLessThan(client.sessionTimeout / 2);
    expect(client.state).toBe('CLOSED');
    expect(await observer.exists('/app/lease')).toBeNull();
    await watcher.close();
  });
});
