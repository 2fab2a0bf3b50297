/**
 * `npm run demo`: the opening minute against the running platform (start it with `npm start`).
 *
 * Creates a fresh course (30 seats, a 50-place waitlist by default), signs in N students (demo
 * accounts, registered on first use), then has all of them enroll at the same moment through the
 * gateway, with a progress bar as the answers come in. Afterwards it prints the audit: enrolled <=
 * capacity, waitlist positions 1..n, and every answer accounted for against what the service recorded.
 *
 *   npm run demo -- --students 500 --capacity 30 --waitlist 50
 *   npm run demo -- --url http://127.0.0.1:13000 --data /tmp/registrar   # a platform started with --port-offset/--data
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import { Command } from 'commander';
import { auditOpening, type Answer, type RecordedEnrollment } from './platform/demo/opening-audit.js';
import { ApiCallError, PlatformClient } from './platform/platform-client.js';

const program = new Command()
  .name('npm run demo --')
  .option('--url <url>', 'gateway of the running platform', 'http://127.0.0.1:3000')
  .option('--data <dir>', 'data folder of npm start (for the generated staff password)', '.data')
  .option('--students <n>', 'students enrolling at once', '300')
  .option('--capacity <n>', 'seats in the course', '30')
  .option('--waitlist <n>', 'waitlist places', '50')
  .parse();
const opts = program.opts<{
  url: string;
  data: string;
  students: string;
  capacity: string;
  waitlist: string;
}>();
const students = Number(opts.students);
const capacity = Number(opts.capacity);
const waitlistCapacity = Number(opts.waitlist);
const client = new PlatformClient(opts.url.replace(/\/$/, ''));
const STUDENT_PASSWORD = 'demo-student-password';

function staffCredentials(): { email: string; password: string } {
  const email = process.env['REGISTRAR_ADMIN_EMAIL'] ?? 'staff@registrar.example';
  const fromEnv = process.env['REGISTRAR_ADMIN_PASSWORD'];
  if (fromEnv) return { email, password: fromEnv };
  const file = join(resolve(opts.data), 'secrets.json');
  if (!existsSync(file)) {
    throw new Error(`no ${file}: pass --data <folder of npm start> or set REGISTRAR_ADMIN_PASSWORD`);
  }
  return {
    email,
    password: (JSON.parse(readFileSync(file, 'utf8')) as { adminPassword: string }).adminPassword,
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T, R>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<R>,
  tick: () => void,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await task(items[k]!);
        tick();
      }
    }),
  );
  return out;
}

function bar(title: string, total: number): SingleBar {
  const b = new SingleBar(
    {
      format: `${title.padEnd(22)} [{bar}] {value}/{total} {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  b.start(total, 0);
  return b;
}

interface Student {
  email: string;
  id: string;
  token: string;
}

/**
 * Signed-in demo students are remembered in the data folder until their tokens near expiry: a
 * password hash (scrypt) per sign-in makes the first run slow on a small machine, not the next ones.
 */
const cacheFile = join(resolve(opts.data), 'demo-students.json');
type Cached = Student & { expiresAt: number };
const cache: Record<string, Cached> = existsSync(cacheFile)
  ? (JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, Cached>)
  : {};

async function signIn(k: number): Promise<Student> {
  const email = `demo-student-${String(k).padStart(4, '0')}@registrar.example`;
  const cached = cache[`${client.baseUrl} ${email}`];
  if (cached !== undefined && cached.expiresAt > Date.now() + 10 * 60_000) return cached;
  const reg = await client.call('/api/auth/register', {
    method: 'POST',
    body: { email, password: STUDENT_PASSWORD, name: `Demo student ${k}` },
  });
  if (reg.status !== 201 && reg.status !== 409)
    throw new ApiCallError(reg.status, reg.data, `register ${email}`);
  const r = await client.ok<{ accessToken: string; account?: { id: string } }>('/api/auth/login', {
    method: 'POST',
    body: { email, password: STUDENT_PASSWORD },
  });
  const id =
    r.account?.id ??
    (JSON.parse(Buffer.from(r.accessToken.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
  const expiresIn = (r as { expiresIn?: number }).expiresIn ?? 600;
  cache[`${client.baseUrl} ${email}`] = {
    email,
    id,
    token: r.accessToken,
    expiresAt: Date.now() + expiresIn * 1000,
  };
  return { email, id, token: r.accessToken };
}

async function main(): Promise<void> {
  const health = await fetch(`${client.baseUrl}/health`).catch(() => undefined);
  if (health?.status !== 200) throw new Error(`no platform at ${client.baseUrl} (start it with npm start)`);
  const staff = await client.login(staffCredentials().email, staffCredentials().password);

  const code = `OPEN-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}`;
  const course = await client.ok<{ id: string; code: string }>('/api/courses', {
    method: 'POST',
    token: staff,
    body: { code, title: 'Opening minute demo', capacity, waitlistCapacity },
  });
  console.log(
    `course ${course.code}: ${capacity} seats, ${waitlistCapacity} waitlist places, ${students} students\n`,
  );

  const signing = bar('signing in students', students);
  const accounts = await pool(
    Array.from({ length: students }, (_, k) => k + 1),
    16,
    signIn,
    () => signing.increment(),
  );
  signing.stop();
  if (existsSync(resolve(opts.data))) writeFileSync(cacheFile, JSON.stringify(cache), { mode: 0o600 });

  // The opening minute: every request at once.
  const enrolling = bar('enrolling at once', students);
  const started = performance.now();
  const answers: Answer[] = await Promise.all(
    accounts.map(async (s): Promise<Answer> => {
      try {
        const r = await client.call<{ status?: string; position?: number; message?: string }>(
          `/api/courses/${course.id}/enrollments`,
          { method: 'POST', token: s.token, body: {} },
        );
        if (r.status === 201 && r.data.status === 'enrolled') return { kind: 'enrolled', studentId: s.id };
        if (r.status === 201 && r.data.status === 'waitlisted')
          return { kind: 'waitlisted', studentId: s.id, position: r.data.position ?? -1 };
        if (r.status === 409)
          return { kind: 'refused', studentId: s.id, status: 409, message: String(r.data.message) };
        return { kind: 'error', studentId: s.id, status: r.status, message: String(r.data?.message ?? '') };
      } catch (err) {
        return { kind: 'error', studentId: s.id, status: 0, message: (err as Error).message };
      } finally {
        enrolling.increment();
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  enrolling.stop();

  const recorded: RecordedEnrollment[] = [];
  for (const status of ['enrolled', 'waitlisted']) {
    for (let page = 1; ; page++) {
      const r = await client.ok<{ items: RecordedEnrollment[]; total: number }>(
        `/api/courses/${course.id}/enrollments?status=${status}&page=${page}&pageSize=500`,
        { token: staff },
      );
      recorded.push(...r.items);
      if (r.items.length < 500) break;
    }
  }

  const checks = auditOpening({ capacity, waitlistCapacity, students, answers, recorded });
  const table = new Table({ head: ['check', 'result', 'detail'], style: { head: [] } });
  for (const c of checks) table.push([c.name, c.ok ? 'ok' : 'FAILED', c.detail]);
  console.log(`\n${students} decisions in ${seconds.toFixed(2)} s (${(students / seconds).toFixed(0)}/s)`);
  console.log(table.toString());
  const failed = checks.filter((c) => !c.ok);
  console.log(
    failed.length === 0 ? '\nAudit passed.' : `\nAudit FAILED: ${failed.map((c) => c.name).join(', ')}`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
