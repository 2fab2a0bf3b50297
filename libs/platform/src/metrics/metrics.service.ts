/** One prom-client registry per app, with the default process metrics and HTTP request timings. */
import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { StageTimings } from './stage-timings.js';

export * from './stage-timings.js';

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly httpErrors: Counter<'method' | 'route' | 'status'>;
  /** Per-stage timings (stage-timings.ts): auth, lock, database. */
  readonly stages: StageTimings;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.httpErrors = new Counter({
      name: 'http_request_errors_total',
      help: 'HTTP answers with status >= 500',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.stages = new StageTimings(this.registry);
  }

  /** Labels every metric with the service and instance (set once at boot). */
  setDefaultLabels(labels: Record<string, string>): void {
    this.registry.setDefaultLabels(labels);
  }
}
