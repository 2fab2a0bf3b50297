/** Liveness of the gateway itself (its coordinator session), and its Prometheus metrics. */
import type { Response } from 'express';
import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ServiceDiscovery } from '@registrar/coordination';
import { GatewayMetrics } from './gateway-metrics.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(ServiceDiscovery) private readonly discovery: ServiceDiscovery,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
  ) {}

  @Get('health')
  @ApiOperation({ summary: '200 while the gateway holds a coordinator session, 503 otherwise' })
  health(@Res() res: Response): void {
    const state = this.discovery.client.state;
    const up = state === 'CONNECTED' || state === 'READ_ONLY';
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'error', coordinator: state });
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('cache-control', 'no-store')
  async prometheus(@Res() res: Response): Promise<void> {
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
