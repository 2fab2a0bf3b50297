import { Module } from '@nestjs/common';
import { ServiceName } from '@registrar/contracts';
import { PlatformModule } from '@registrar/platform';
import { courseEnrollmentMigrations } from '../../../migrations/course-enrollment/index.js';
import { CourseEnrollmentEnv } from './course-enrollment.env.js';
import { courseEntities, CoursesModule } from './courses/courses.module.js';
import { EnrollmentsModule } from './enrollments/enrollments.module.js';
import { identityEntities, IdentityModule } from './identity/identity.module.js';
import { PromoterModule } from './promoter/promoter.module.js';
import { RpcModule } from './rpc/rpc.module.js';

/** Entities of this service's database; feature modules append theirs. */
export const courseEnrollmentEntities = [...identityEntities, ...courseEntities];

@Module({
  imports: [
    PlatformModule.forRoot({
      service: ServiceName.courseEnrollment,
      env: CourseEnrollmentEnv,
      entities: courseEnrollmentEntities,
      migrations: courseEnrollmentMigrations,
    }),
    IdentityModule,
    CoursesModule,
    EnrollmentsModule,
    RpcModule,
    PromoterModule,
  ],
})
export class AppModule {}
