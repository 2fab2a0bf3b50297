/** course-enrollment: identity, courses, enrollments and waitlists. */
import 'reflect-metadata';
import { ServiceName } from '@registrar/contracts';
import { runService } from '@registrar/platform';
import { AppModule } from './app.module.js';

await runService(AppModule, {
  service: ServiceName.courseEnrollment,
  title: 'Registrar course enrollment',
  rpc: true,
});
