import { Module } from '@nestjs/common';
import { ServiceName } from '@registrar/contracts';
import { PlatformModule } from '@registrar/platform';
import { examRegistrationMigrations } from '../../../migrations/exam-registration/index.js';
import { ExamRegistrationEnv } from './exam-registration.env.js';
import { Exam } from './exams/exam.entity.js';
import { Notification } from './notifications/notification.entity.js';
import { Registration } from './registrations/registration.entity.js';
import { ScheduleChange } from './schedules/schedule-change.entity.js';
import { ExamRegistrationModule } from './schedules/schedules.module.js';
import { examSeatTables } from './seats/exam-seats.js';

/** Entities of this service's database (also used by `npm run migrate`). */
export const examRegistrationEntities = [
  Exam,
  Registration,
  Notification,
  ScheduleChange,
  ...examSeatTables.entities,
];

@Module({
  imports: [
    PlatformModule.forRoot({
      service: ServiceName.examRegistration,
      env: ExamRegistrationEnv,
      entities: examRegistrationEntities,
      migrations: examRegistrationMigrations,
    }),
    ExamRegistrationModule,
  ],
})
export class AppModule {}
