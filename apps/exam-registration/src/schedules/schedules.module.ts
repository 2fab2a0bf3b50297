import { Inject, Module, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import type { SessionBinding } from '@registrar/coordination';
import { ZNODE_PATHS, type ZnodePaths } from '@registrar/platform';
import { COORDINATOR_BINDING, coordinatorBindingProvider } from '../common/coordinator-binding.js';
import { ExamMetrics } from '../common/exam-metrics.js';
import { OpenStreams } from '../common/open-streams.js';
import { ExamsController } from '../exams/exams.controller.js';
import { ExamsService } from '../exams/exams.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import { EnrollmentClient } from '../registrations/enrollment-client.js';
import { RegistrationsController } from '../registrations/registrations.controller.js';
import { RegistrationsService } from '../registrations/registrations.service.js';
import { ExamSeatAllocator } from '../seats/exam-seat-allocator.js';
import { EXAM_SEATS } from '../seats/exam-seats.js';
import { examSeatsProvider } from '../seats/exam-seats.provider.js';
import { ScheduleCache } from './schedule-cache.js';
import { ScheduleChangeService } from './schedule-change.service.js';
import { ScheduleController } from './schedule.controller.js';
import { ScheduleStore } from './schedule-store.js';

const cacheProvider: Provider = {
  provide: ScheduleCache,
  inject: [COORDINATOR_BINDING, ZNODE_PATHS],
  useFactory: (binding: SessionBinding, paths: ZnodePaths) => new ScheduleCache(binding, paths.examSchedules),
};
const storeProvider: Provider = {
  provide: ScheduleStore,
  inject: [COORDINATOR_BINDING, ZNODE_PATHS],
  useFactory: (binding: SessionBinding, paths: ZnodePaths) => new ScheduleStore(binding, paths.examSchedules),
};

/**
 * The exam-registration context: schedules (coordinator), exams, registrations (seat pools) and
 * notifications. One module because they share the schedule cache and the session binding.
 */
@Module({
  controllers: [ScheduleController, ExamsController, RegistrationsController],
  providers: [
    coordinatorBindingProvider,
    cacheProvider,
    storeProvider,
    examSeatsProvider,
    ScheduleChangeService,
    ExamsService,
    RegistrationsService,
    EnrollmentClient,
    NotificationsService,
    OpenStreams,
    ExamMetrics,
  ],
})
export class ExamRegistrationModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(ScheduleCache) private readonly cache: ScheduleCache,
    @Inject(EXAM_SEATS) private readonly seats: ExamSeatAllocator,
    @Inject(COORDINATOR_BINDING) private readonly binding: SessionBinding,
  ) {}

  /** Boot waits for the first full load: an instance never answers from an empty cache. */
  async onModuleInit(): Promise<void> {
    await this.cache.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
    await this.seats.close();
    await this.binding.close();
  }
}
