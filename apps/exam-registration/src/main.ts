/**
 * exam-registration: exams, schedules pushed from the coordinator (config znodes + one recursive
 * watch, fanned out over SSE), and exam-session seats that never overbook.
 */
import 'reflect-metadata';
import { ServiceName } from '@registrar/contracts';
import { runService } from '@registrar/platform';
import { AppModule } from './app.module.js';

await runService(AppModule, {
  service: ServiceName.examRegistration,
  title: 'Exam registration API',
  // A schedule body may be large; the schedule validator bounds what is stored (96 KiB), and a
  // body just over 1 MiB gets a 400 from it with the reason rather than a bare 413.
  bodyLimit: '2mb',
});
