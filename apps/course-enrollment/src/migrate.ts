/** `npm run migrate` for course-enrollment: apply pending migrations and exit. */
import 'reflect-metadata';
import { ServiceName } from '@registrar/contracts';
import { migrateDatabase } from '@registrar/platform';
import { courseEnrollmentMigrations } from '../../../migrations/course-enrollment/index.js';
import { courseEnrollmentEntities } from './app.module.js';
import { CourseEnrollmentEnv } from './course-enrollment.env.js';

await migrateDatabase({
  service: ServiceName.courseEnrollment,
  env: CourseEnrollmentEnv,
  entities: courseEnrollmentEntities,
  migrations: courseEnrollmentMigrations,
});
