/**
 * Takes the caller's `x-request-id` (the gateway sets one) or makes one, answers with it, runs the
 * request inside its context, and writes one log line and one metric sample when the answer is sent.
 */
import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from '../metrics/metrics.service.js';
import { acceptRequestId, requestContext } from './request-context.js';

const HEADER = 'x-request-id';

@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  private readonly logger = new Logger('http');

  constructor(@Inject(MetricsService) private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const requestId = acceptRequestId(req.headers[HEADER]);
    req.headers[HEADER] = requestId;
    res.setHeader(HEADER, requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      this.metrics.httpDuration.observe(labels, seconds);
      if (res.statusCode >= 500) this.metrics.httpErrors.inc(labels);
      if (req.path === '/health' || req.path === '/metrics') return;
      // One line in both log formats; the request id last so lines align when read by eye.
      this.logger.log(
        `${req.method} ${req.originalUrl.split('?')[0]} ${res.statusCode} ${Math.round(seconds * 1000)}ms rid=${requestId}`,
      );
    });
    requestContext.run({ requestId }, next);
  }
}
