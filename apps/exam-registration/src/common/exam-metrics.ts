/**
 * What operators watch on this service beside the platform's HTTP metrics: open SSE streams,
 * schedule versions this instance's cache received, and schedule writes by outcome.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '@registrar/platform';
import { Counter, Gauge } from 'prom-client';
import { ScheduleCache } from '../schedules/schedule-cache.js';
import { OpenStreams } from './open-streams.js';

@Injectable()
export class ExamMetrics implements OnModuleInit {
  readonly scheduleWrites: Counter<'outcome'>;
  private readonly versionsSeen: Counter;

  constructor(
    @Inject(MetricsService) metrics: MetricsService,
    @Inject(OpenStreams) streams: OpenStreams,
    @Inject(ScheduleCache) private readonly cache: ScheduleCache,
  ) {
    new Gauge({
      name: 'exam_sse_streams',
      help: 'Open SSE streams (schedule events and student notifications)',
      registers: [metrics.registry],
      collect() {
        this.set(streams.size);
      },
    });
    this.versionsSeen = new Counter({
      name: 'exam_schedule_versions_received_total',
      help: 'Schedule versions this instance received through its recursive watch',
      registers: [metrics.registry],
    });
    this.scheduleWrites = new Counter({
      name: 'exam_schedule_writes_total',
      help: 'Schedule writes by outcome (committed, stale, conflict, invalid, failed)',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.cache.on('change', () => this.versionsSeen.inc());
  }
}
