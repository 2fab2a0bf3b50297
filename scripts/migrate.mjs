#!/usr/bin/env node
/**
 * `npm run migrate [-- course-enrollment|exam-registration]`: applies pending migrations to each
 * service's configured database (DATABASE_PATH / DATABASE_URL, and COORDINATION_CONNECT_STRING
 * for validation, from the environment) and exits. Services also migrate at boot.
 * Two services need two databases: set COURSE_ENROLLMENT_DATABASE_* / EXAM_REGISTRATION_DATABASE_*
 * to give each its own, otherwise DATABASE_PATH / DATABASE_URL apply to the one service named.
 */
import { spawnSync } from 'node:child_process';

const services = process.argv.slice(2);
const all = ['course-enrollment', 'exam-registration'];
for (const s of services)
  if (!all.includes(s)) {
    console.error(`unknown service ${s} (one of ${all.join(', ')})`);
    process.exit(2);
  }
const chosen = services.length > 0 ? services : all;
if (chosen.length > 1 && (process.env.DATABASE_PATH || process.env.DATABASE_URL)) {
  console.error(
    'DATABASE_PATH/DATABASE_URL name one database: pass the service to migrate, or use <SERVICE>_DATABASE_PATH/_URL',
  );
  process.exit(2);
}
let failed = 0;
for (const s of chosen) {
  const prefix = s.toUpperCase().replace(/-/g, '_') + '_';
  const env = { ...process.env };
  for (const k of ['DATABASE_PATH', 'DATABASE_URL'])
    if (process.env[prefix + k]) env[k] = process.env[prefix + k];
  env.COORDINATION_CONNECT_STRING ??= '127.0.0.1:2181'; // validated, never dialled by a migration
  const r = spawnSync(process.execPath, [`dist/apps/${s}/src/migrate.js`], { stdio: 'inherit', env });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
