/**
 * The real course-enrollment service for registration suites: accounts through its API (register,
 * login: tokens signed by its keys and verified by exam-registration through the JWKS), a course,
 * and enrollments, so exam-registration's `enrollment.isEnrolled` RPC asks the real thing.
 */
import type { ExamPlatform } from './exam-env.js';
import { startService, type ServiceProcess } from './service-process.js';

export const ADMIN = { email: 'exam-e2e-admin@example.edu', password: 'admin-pass-123' };

export async function startCourseEnrollment(platform: ExamPlatform): Promise<ServiceProcess> {
  const s = await startService('course-enrollment', {
    ...platform.env(),
    ...platform.databases.envFor('course_enrollment'),
    REGISTRAR_ADMIN_EMAIL: ADMIN.email,
    REGISTRAR_ADMIN_PASSWORD: ADMIN.password,
    PASSWORD_SCRYPT_LOG_N: '10',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
  });
  platform.services.push(s);
  return s;
}

/**
 * Setup calls to course-enrollment, retried on 500/503: two of its instances sharing one SQLite
 * file answer 500 (SQLITE_BUSY) to some concurrent writes (seen here; reported to its owner).
 * `okStatuses` lets a retried register accept the 409 of its own earlier success.
 */
async function json(
  call: () => Promise<Response>,
  what: string,
  okStatuses: number[] = [],
): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    const res = await call();
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok || okStatuses.includes(res.status)) return body;
    if ((res.status === 500 || res.status === 503) && attempt < 8) {
      await new Promise((r) => setTimeout(r, 50 * attempt));
      continue;
    }
    throw new Error(`${what}: ${res.status} ${JSON.stringify(body)}`);
  }
}

export async function login(
  url: string,
  email: string,
  password: string,
): Promise<{ token: string; id: string }> {
  const body = await json(
    () =>
      fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password }),
      }),
    `login ${email}`,
  );
  return { token: body['accessToken'] as string, id: (body['account'] as { id: string }).id };
}

/** A student account: registered, logged in. */
export async function newStudent(url: string, email: string): Promise<{ token: string; id: string }> {
  const password = 'student-pass-1';
  await json(
    () =>
      fetch(`${url}/api/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password, name: email.split('@')[0] }),
      }),
    `register ${email}`,
    [409],
  );
  return login(url, email, password);
}

export async function createCourse(
  url: string,
  staffToken: string,
  code: string,
  capacity: number,
): Promise<string> {
  const body = await json(
    () =>
      fetch(`${url}/api/courses`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${staffToken}` },
        body: JSON.stringify({ code, title: `Course ${code}`, capacity, waitlistCapacity: 0 }),
      }),
    `create course ${code}`,
  );
  return body['id'] as string;
}

export async function enroll(url: string, token: string, courseId: string): Promise<void> {
  await json(
    () =>
      fetch(`${url}/api/courses/${courseId}/enrollments`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: '{}',
      }),
    `enroll in ${courseId}`,
    [409],
  );
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function inBatches<T, R>(
  items: T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = Array.from({ length: items.length });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}
