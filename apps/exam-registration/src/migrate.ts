/** `npm run migrate` for exam-registration: apply pending migrations and exit. */
import 'reflect-metadata';
import { ServiceName } from '@registrar/contracts';
import { migrateDatabase } from '@registrar/platform';
import { examRegistrationMigrations } from '../../../migrations/exam-registration/index.js';
import { examRegistrationEntities } from './app.module.js';
import { ExamRegistrationEnv } from './exam-registration.env.js';

await migrateDatabase({
  service: ServiceName.examRegistration,
  env: ExamRegistrationEnv,
  entities: examRegistrationEntities,
  migrations: examRegistrationMigrations,
});
