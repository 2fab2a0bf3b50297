/**
 * The load client of `npm run bench -- platform`: a workload is a list of (course, student)
 * enrollments sent all at once (bounded by `inflight`); every answer is timed, 201 enrolled /
 * 201 waitlisted / 409 count as decided. The audit reads the database afterwards: never above
 * capacity, counters equal to the hold rows, and every answer the client saw is what the database
 * holds (a 201 "enrolled" is a seated row, a 201 "waitlisted" a waitlisted one, a 409 is neither).
 */
import type { ProgressBar } from './progress.js';
import * as hdr from 'hdr-histogram-js';
import type { DataSource } from 'typeorm';
import { auditCourse, call, pool, type Student } from '../test/e2e/course-enrollment/cluster.js';

/**
 * Registers and logs in `count` students (setup, not measured). Unlike the e2e helper it retries a
 * request the gateway answered 502 (an upstream keep-alive connection reset under load; see the
 * README) or that never got an answer: a register that did land answers 409 the second time.
 */
export async function registerStudentsWithRetry(
  targets: readonly string[],
  count: number,
  tag: string,
): Promise<Student[]> {
  const attempt = async (url: string, path: string, body: unknown, ok: number[]) => {
    for (let i = 1; ; i++) {
      const r = await call(url, 'POST', path, { body });
      if (ok.includes(r.status)) return r;
      if ((r.status !== 502 && r.status !== 0) || i >= 5)
        throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  };
  return pool(
    Array.from({ length: count }, (_, i) => i),
    25,
    async (i) => {
      const url = targets[i % targets.length]!;
      const email = `s${i}-${tag}@example.edu`;
      const password = 'student-pass-1';
      await attempt(url, '/api/auth/register', { email, password, name: `Student ${i}` }, [201, 409]);
      const login = await attempt(url, '/api/auth/login', { email, password }, [200]);
      const token = login.body.accessToken as string;
      const sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
      return { id: sub, email, token };
    },
  );
}

export interface Enrollment {
  courseId: string;
  student: Student;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  decidedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  enrolled: number;
  waitlisted: number;
  refused: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** What the client saw, per course and student: 'enrolled' | 'waitlisted' | 'refused' | 'error'. */
  answers: Map<string, Map<string, string>>;
}

function answerOf(status: number, body: any): 'enrolled' | 'waitlisted' | 'refused' | 'error' {
  if (status === 201) return body?.status === 'enrolled' ? 'enrolled' : 'waitlisted';
  return status === 409 ? 'refused' : 'error';
}

export async function runLoad(
  targets: readonly string[],
  work: readonly Enrollment[],
  inflight: number,
  bar: ProgressBar,
): Promise<LoadResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000,
    numberOfSignificantValueDigits: 3,
  });
  const answers = new Map<string, Map<string, string>>();
  const errorKinds = new Map<string, number>();
  let enrolled = 0;
  let waitlisted = 0;
  let refused = 0;
  let errors = 0;
  const started = performance.now();
  await pool(work, inflight, async ({ courseId, student }, i) => {
    const t0 = performance.now();
    const r = await call(targets[i % targets.length]!, 'POST', `/api/courses/${courseId}/enrollments`, {
      token: student.token,
      body: {},
    });
    histogram.recordValue(Math.max(1, Math.round(performance.now() - t0)));
    const seen = answerOf(r.status, r.body);
    if (seen === 'enrolled') enrolled++;
    else if (seen === 'waitlisted') waitlisted++;
    else if (seen === 'refused') refused++;
    else {
      errors++;
      const kind = `${r.status} ${r.body?.reason ?? r.body?.message ?? r.body?.error ?? ''}`;
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
    }
    const perCourse = answers.get(courseId) ?? new Map<string, string>();
    perCourse.set(student.id, seen);
    answers.set(courseId, perCourse);
    bar.increment();
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: work.length,
    seconds,
    decidedPerSecond: (enrolled + waitlisted + refused) / seconds,
    p50: histogram.getValueAtPercentile(50),
    p99: histogram.getValueAtPercentile(99),
    max: histogram.maxValue,
    enrolled,
    waitlisted,
    refused,
    errors,
    errorKinds: Object.fromEntries(errorKinds),
    answers,
  };
}

/** Problems found in the database after a workload; empty means the audit passed. */
export async function auditLoad(ds: DataSource, answers: LoadResult['answers']): Promise<string[]> {
  const problems: string[] = [];
  for (const [courseId, seen] of answers) {
    const a = await auditCourse(ds, courseId);
    const holds = [...a.holds.values()];
    const seated = holds.filter((h) => h.status === 'seated').length;
    const waiting = holds.filter((h) => h.status === 'waitlisted').length;
    if (a.taken > a.capacity) problems.push(`${courseId}: OVERBOOKED ${a.taken}/${a.capacity}`);
    if (seated !== a.taken || waiting !== a.waitlisted) problems.push(`${courseId}: counters != hold rows`);
    for (const [studentId, answer] of seen) {
      const held = a.holds.get(studentId)?.status;
      const expected = answer === 'enrolled' ? 'seated' : answer === 'waitlisted' ? 'waitlisted' : undefined;
      if (answer === 'error') continue; // an error promises nothing either way
      if (held !== expected)
        problems.push(
          `${courseId}: client saw ${answer} for ${studentId}, database holds ${held ?? 'nothing'}`,
        );
    }
  }
  return problems;
}
