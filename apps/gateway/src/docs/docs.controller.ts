/**
 * The services' OpenAPI documents, fetched from a live instance's `/docs-json` (any instance will
 * do: they run the same build). Swagger UI at /docs lists them next to the gateway's own document.
 * Their paths are the gateway's paths, so "Try it out" goes through the gateway.
 */
import {
  BadGatewayException,
  Controller,
  Get,
  Inject,
  NotFoundException,
  Param,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ROUTED_SERVICES } from '../routing/route-table.js';
import { baseUrlOf, UpstreamPool } from '../routing/upstream-pool.js';

@ApiExcludeController()
@Controller('docs/services')
export class DocsController {
  constructor(@Inject(UpstreamPool) private readonly pool: UpstreamPool) {}

  @Get(':service')
  async document(@Param('service') service: string): Promise<unknown> {
    if (!ROUTED_SERVICES.includes(service)) throw new NotFoundException(`unknown service ${service}`);
    const candidates = await this.pool.candidates(service);
    if (candidates.length === 0) throw new ServiceUnavailableException(`no live instance of ${service}`);
    let last = '';
    for (const instance of candidates) {
      try {
        const r = await fetch(`${baseUrlOf(instance)}/docs-json`, { signal: AbortSignal.timeout(3000) });
        if (r.ok) return await r.json();
        last = `answered ${r.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
    }
    throw new BadGatewayException(`no instance of ${service} served its OpenAPI document (${last})`);
  }
}

/** Entries of the Swagger UI document picker. */
export function swaggerUrls(): { name: string; url: string }[] {
  return [
    { name: 'gateway (cluster, znodes)', url: '/docs/gateway.json' },
    ...ROUTED_SERVICES.map((s) => ({ name: s, url: `/docs/services/${s}` })),
  ];
}
