/**
 * The course seat pools of this instance: one SeatAllocator (group admission under
 * `${root}/locks/courses/<id>`, fenced writes) shared by enrollments, course edits and the promoter.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ClientFactory, ZooKeeperClient } from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';
import {
  MetricsService,
  PlatformConfig,
  RELEASE_LOCK_BEFORE_COMMIT,
  SeatAllocator,
  SeatQueries,
  seatTables,
  SKIP_FENCE_CHECK,
  ZNODE_PATHS,
  type SeatOp,
  type SeatOpResult,
  type ZnodePaths,
} from '@registrar/platform';
import { Counter, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { CourseSettings } from '../settings/course-settings.service.js';

/** Table family `course_seat_*`. */
export const courseSeatTables = seatTables('course');

@Injectable()
export class CourseSeats implements OnApplicationShutdown {
  private readonly logger = new Logger(CourseSeats.name);
  readonly allocator: SeatAllocator;
  readonly queries = new SeatQueries(courseSeatTables);

  constructor(
    dataSource: DataSource,
    config: PlatformConfig,
    settings: CourseSettings,
    metrics: MetricsService,
    @Inject(COORDINATION_CLIENT) client: ZooKeeperClient,
    @Inject(COORDINATION_CLIENT_FACTORY) clientFactory: ClientFactory,
    @Inject(ZNODE_PATHS) paths: ZnodePaths,
  ) {
    const skipFenceCheck = config.planted(SKIP_FENCE_CHECK);
    if (skipFenceCheck) this.logger.warn(`PLANTED BUG ${SKIP_FENCE_CHECK}: fencing tokens are NOT checked`);
    const releaseLockBeforeCommit = config.planted(RELEASE_LOCK_BEFORE_COMMIT);
    if (releaseLockBeforeCommit)
      this.logger.warn(`PLANTED BUG ${RELEASE_LOCK_BEFORE_COMMIT}: course locks released before the commit`);
    const pause = settings.testPauseAfterLockMs;
    if (pause > 0) this.logger.warn(`TEST SWITCH: pausing ${pause} ms after taking each course lock`);
    const batches = new Histogram({
      name: 'seat_batch_size',
      help: 'Seat ops decided per transaction (group admission)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [metrics.registry],
    });
    const failures = new Counter({
      name: 'seat_batch_failures_total',
      help: 'Seat batches that wrote nothing (stale fence, lock unavailable, ...)',
      registers: [metrics.registry],
    });
    this.allocator = new SeatAllocator({
      dataSource,
      tables: courseSeatTables,
      client,
      clientFactory,
      lockPath: (id) => paths.courseLock(id),
      lockOwner: config.instanceId,
      skipFenceCheck,
      releaseLockBeforeCommit,
      ...(pause > 0
        ? {
            afterLockAcquired: async (poolId: string, token: number) => {
              this.logger.warn(`TEST SWITCH: holding lock of ${poolId} (token ${token}) for ${pause} ms`);
              await new Promise((r) => setTimeout(r, pause));
            },
          }
        : {}),
      stages: metrics.stages,
      onBatch: ({ size, ok }) => {
        batches.observe(size);
        if (!ok) failures.inc();
      },
    });
  }

  submit(courseId: string, op: SeatOp): Promise<SeatOpResult> {
    return this.allocator.submit(courseId, op);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.allocator.close();
  }
}
