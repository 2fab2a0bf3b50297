/** course-enrollment's migrations, in order. Append new ones; never edit an applied one. */
import { Identity1764750000000 } from './1764750000000-identity.js';

export const courseEnrollmentMigrations = [Identity1764750000000];
