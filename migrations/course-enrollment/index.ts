/** course-enrollment's migrations, in order. Append new ones; never edit an applied one. */
import { Identity1764750000000 } from './1764750000000-identity.js';
import { Courses1764760000000 } from './1764760000000-courses.js';

export const courseEnrollmentMigrations = [Identity1764750000000, Courses1764760000000];
