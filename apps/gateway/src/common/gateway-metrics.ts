/** Prometheus metrics of the gateway (served at /metrics with Node's default process metrics). */
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'gateway_proxied_requests_total',
    help: 'Requests forwarded to a service, by outcome (ok, retried, failed, no-instance, ...)',
    labelNames: ['service', 'method', 'outcome', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'gateway_proxied_request_seconds',
    help: 'Time until the answer started streaming back (for SSE: until the headers)',
    labelNames: ['service', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: 'gateway_upstream_failures_total',
    help: 'Failed attempts on one instance (not-sent, sent, unavailable)',
    labelNames: ['service', 'kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(service: string, method: string, outcome: string, status: number, seconds: number): void {
    this.requests.inc({ service, method, outcome, status: String(status) });
    this.duration.observe({ service, method }, seconds);
  }

  upstreamFailure(service: string, kind: string): void {
    this.failures.inc({ service, kind });
  }
}
