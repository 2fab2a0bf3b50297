/**
 * CoordinationModule: one ZooKeeper session per application, injectable as COORDINATION_CLIENT,
 * plus a shared ServiceRegistry and ServiceDiscovery and a Terminus health indicator. On
 * application shutdown it unregisters this app's instances and closes the session, so its
 * ephemerals vanish at once instead of after the session timeout (call `app.enableShutdownHooks()`
 * so SIGTERM gets there too).
 */
import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ZooKeeperClient } from '@registrar/coordination';
import type { ClientFactory } from '@registrar/coordination';
import { ServiceDiscovery } from '@registrar/coordination';
import { ServiceRegistry } from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from './coordination.constants.js';
import { CoordinationHealthIndicator } from './coordination.health.js';
import {
  CoordinationConfigurableModule,
  COORDINATION_MODULE_OPTIONS,
} from './coordination.module-definition.js';
import {
  clientOptionsOf,
  effectiveConnectString,
  type CoordinationModuleOptions,
} from './coordination-options.js';

/**
 * @example
 *   @Module({ imports: [CoordinationModule.forRoot({ connectString: '127.0.0.1:2181', chroot: '/registrar' })] })
 *   class AppModule {}
 *   // or from @nestjs/config:
 *   CoordinationModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService],
 *     useFactory: coordinationOptionsFromConfig, isGlobal: true })
 *   // then: constructor(@Inject(COORDINATION_CLIENT) zk: ZooKeeperClient, discovery: ServiceDiscovery)
 */
@Module({
  imports: [TerminusModule],
  providers: [
    {
      provide: COORDINATION_CLIENT_FACTORY,
      inject: [COORDINATION_MODULE_OPTIONS],
      useFactory: (opts: CoordinationModuleOptions): ClientFactory => {
        const connectString = effectiveConnectString(opts);
        const clientOpts = clientOptionsOf(opts);
        return () => ZooKeeperClient.connect(connectString, clientOpts);
      },
    },
    {
      provide: COORDINATION_CLIENT,
      inject: [COORDINATION_CLIENT_FACTORY],
      useFactory: (factory: ClientFactory) => factory(),
    },
    {
      provide: ServiceRegistry,
      inject: [COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY, COORDINATION_MODULE_OPTIONS],
      useFactory: (client: ZooKeeperClient, clientFactory: ClientFactory, opts: CoordinationModuleOptions) =>
        new ServiceRegistry({
          client,
          clientFactory,
          ...(opts.servicesPath ? { basePath: opts.servicesPath } : {}),
        }),
    },
    {
      provide: ServiceDiscovery,
      inject: [COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY, COORDINATION_MODULE_OPTIONS],
      useFactory: (client: ZooKeeperClient, clientFactory: ClientFactory, opts: CoordinationModuleOptions) =>
        new ServiceDiscovery({
          client,
          clientFactory,
          ...(opts.servicesPath ? { basePath: opts.servicesPath } : {}),
        }),
    },
    CoordinationHealthIndicator,
  ],
  exports: [
    COORDINATION_CLIENT,
    COORDINATION_CLIENT_FACTORY,
    ServiceRegistry,
    ServiceDiscovery,
    CoordinationHealthIndicator,
  ],
})
export class CoordinationModule extends CoordinationConfigurableModule implements OnApplicationShutdown {
  private readonly logger = new Logger('CoordinationModule');

  constructor(
    @Inject(COORDINATION_CLIENT) private readonly client: ZooKeeperClient,
    @Inject(ServiceRegistry) private readonly registry: ServiceRegistry,
    @Inject(ServiceDiscovery) private readonly discovery: ServiceDiscovery,
  ) {
    super();
  }

  /** Unregisters our instances, stops discovery, then closes the session (ephemerals go at once). */
  async onApplicationShutdown(): Promise<void> {
    try {
      await this.registry.close();
      await this.discovery.close();
    } catch (err) {
      this.logger.warn(`while closing recipes: ${String(err)}`);
    }
    await this.client.close();
  }
}
