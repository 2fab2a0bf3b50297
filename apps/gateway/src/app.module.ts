/**
 * The gateway: routes the public API to service instances found in the registry, and serves the
 * cluster view, the znode browser, the services' OpenAPI documents and the dashboard.
 * No database: its only state is its coordinator session and an in-memory view of the registry.
 */
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { CoordinationModule } from '@registrar/coordination-nest';
import { ClusterController } from './cluster/cluster.controller.js';
import { ClusterMonitor } from './cluster/cluster-monitor.service.js';
import { GatewayMetrics } from './common/gateway-metrics.js';
import { HealthController } from './common/health.controller.js';
import { HttpExceptionFilter } from './common/http-exception.filter.js';
import { GatewayConfig } from './config/gateway-config.js';
import { GatewayConfigModule } from './config/gateway-config.module.js';
import { DocsController } from './docs/docs.controller.js';
import { ProxyController } from './proxy/proxy.controller.js';
import { ProxyService } from './proxy/proxy.service.js';
import { UpstreamPool } from './routing/upstream-pool.js';
import { ZnodeController } from './znodes/znode.controller.js';

@Module({
  imports: [
    GatewayConfigModule,
    CoordinationModule.forRootAsync({
      isGlobal: true,
      imports: [GatewayConfigModule],
      inject: [GatewayConfig],
      useFactory: (config: GatewayConfig) => ({
        connectString: config.connectString,
        servicesPath: config.servicesPath,
        ...(config.sessionTimeoutMs !== undefined ? { sessionTimeout: config.sessionTimeoutMs } : {}),
      }),
    }),
    ThrottlerModule.forRootAsync({
      imports: [GatewayConfigModule],
      inject: [GatewayConfig],
      useFactory: (config: GatewayConfig) => ({
        throttlers: [{ name: 'per-address', ttl: 60_000, limit: config.rateLimitPerMinute }],
      }),
    }),
  ],
  controllers: [HealthController, ClusterController, ZnodeController, DocsController, ProxyController],
  providers: [
    GatewayMetrics,
    UpstreamPool,
    ProxyService,
    ClusterMonitor,
    { provide: APP_GUARD, useClass: ThrottlerGuard },
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
  ],
})
export class AppModule {}
