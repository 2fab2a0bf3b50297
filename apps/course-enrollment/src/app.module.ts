import { Module } from '@nestjs/common';
import { ServiceName } from '@registrar/contracts';
import { PlatformModule } from '@registrar/platform';
import { courseEnrollmentMigrations } from '../../../migrations/course-enrollment/index.js';
import { CourseEnrollmentEnv } from './course-enrollment.env.js';
import { identityEntities, IdentityModule } from './identity/identity.module.js';

/** Entities of this service's database; feature modules append theirs. */
export const courseEnrollmentEntities = [...identityEntities];

@Module({
  imports: [
    PlatformModule.forRoot({
      service: ServiceName.courseEnrollment,
      env: CourseEnrollmentEnv,
      entities: courseEnrollmentEntities,
      migrations: courseEnrollmentMigrations,
    }),
    IdentityModule,
  ],
})
export class AppModule {}
