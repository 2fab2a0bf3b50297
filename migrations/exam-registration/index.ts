/** Migrations of the exam-registration database, in order (PlatformModule runs them at boot). */
import { ExamRegistrationSchema1764800000000 } from './1764800000000-exam-registration-schema.js';

export const examRegistrationMigrations = [ExamRegistrationSchema1764800000000];
