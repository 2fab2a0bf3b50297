/**
 * Every routed API path goes through here, so the global throttler guard counts it like any other
 * route. The handler takes over the raw response: nothing of Nest's serialization runs on it.
 */
import type { Request, Response } from 'express';
import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { sendError } from '../common/http-error.js';
import { routeFor, routePatterns } from '../routing/route-table.js';
import { ProxyService } from './proxy.service.js';

@ApiExcludeController()
@Controller()
export class ProxyController {
  constructor(@Inject(ProxyService) private readonly proxy: ProxyService) {}

  @All(routePatterns())
  async forward(@Req() req: Request, @Res() res: Response): Promise<void> {
    const route = routeFor(req.path);
    if (route === undefined) return sendError(res, 404, `no route for ${req.path}`);
    await this.proxy.forward(route.service, req, res, String(req.headers['x-request-id']));
  }
}
