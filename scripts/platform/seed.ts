/**
 * Demo data for a fresh platform, created through the public API as staff (so it goes through the
 * same validation, locks and config znodes as anything a user does). Idempotent: a course is matched
 * by code and an exam by title, and a schedule is only written while it is still empty (version 0).
 */
import { ApiCallError, itemsOf, PlatformClient } from './platform-client.js';

export const DEMO_COURSES = [
  { code: 'CS101', title: 'Introduction to Programming', capacity: 30, waitlistCapacity: 20 },
  { code: 'MATH201', title: 'Linear Algebra', capacity: 25, waitlistCapacity: 10 },
  { code: 'HIST110', title: 'World History', capacity: 40, waitlistCapacity: 10 },
  { code: 'PHYS150', title: 'Mechanics (small seminar)', capacity: 5, waitlistCapacity: 5 },
];

interface Course {
  id: string;
  code: string;
}
interface Exam {
  id: string;
  title: string;
  courseId: string;
  scheduleVersion: number | null;
}

function day(offsetDays: number, hour: number, now: Date): string {
  const d = new Date(now.getTime() + offsetDays * 86_400_000);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

export interface SeedResult {
  courses: number;
  exams: number;
  created: string[];
}

export async function seedDemoData(
  client: PlatformClient,
  staffToken: string,
  now = new Date(),
): Promise<SeedResult> {
  const created: string[] = [];
  const courses = itemsOf<Course>(await client.ok('/api/courses?pageSize=100', { token: staffToken }));
  const byCode = new Map(courses.map((c) => [c.code, c]));
  for (const spec of DEMO_COURSES) {
    if (byCode.has(spec.code)) continue;
    try {
      const c = await client.ok<Course>('/api/courses', { method: 'POST', token: staffToken, body: spec });
      byCode.set(spec.code, c);
      created.push(`course ${spec.code}`);
    } catch (err) {
      // Another launcher on the same data may have just created it.
      if (!(err instanceof ApiCallError && err.status === 409)) throw err;
    }
  }

  const examSpecs = [
    {
      course: 'CS101',
      title: 'CS101 final exam',
      durationMin: 120,
      sessions: [
        { id: 'morning', startsAt: day(7, 9, now), endsAt: day(7, 11, now), room: 'Hall A', seats: 20 },
        { id: 'afternoon', startsAt: day(7, 14, now), endsAt: day(7, 16, now), room: 'Hall A', seats: 20 },
      ],
    },
    {
      course: 'MATH201',
      title: 'MATH201 midterm',
      durationMin: 90,
      sessions: [
        { id: 'main', startsAt: day(9, 10, now), endsAt: day(9, 12, now), room: 'Room 204', seats: 30 },
      ],
    },
  ];
  const exams = itemsOf<Exam>(await client.ok('/api/exams?limit=200'));
  for (const spec of examSpecs) {
    const course = byCode.get(spec.course);
    if (course === undefined) continue;
    let exam = exams.find((e) => e.title === spec.title);
    if (exam === undefined) {
      exam = await client.ok<Exam>('/api/exams', {
        method: 'POST',
        token: staffToken,
        body: { courseId: course.id, title: spec.title, durationMin: spec.durationMin },
      });
      created.push(`exam "${spec.title}"`);
    }
    if ((exam.scheduleVersion ?? 0) === 0) {
      const r = await client.call(`/api/exams/${exam.id}/schedule`, {
        method: 'PUT',
        token: staffToken,
        headers: { 'if-match': '"0"' },
        body: { sessions: spec.sessions },
      });
      if (r.status === 200) created.push(`schedule of "${spec.title}"`);
      else if (r.status !== 412) throw new ApiCallError(r.status, r.data, `PUT schedule of ${spec.title}`);
    }
  }
  return { courses: byCode.size, exams: examSpecs.length, created };
}

/** Registers the demo student unless that email is taken (then its password is left alone). */
export async function ensureStudent(
  client: PlatformClient,
  email: string,
  password: string,
  name: string,
): Promise<'created' | 'exists'> {
  const r = await client.call('/api/auth/register', { method: 'POST', body: { email, password, name } });
  if (r.status === 201 || r.status === 200) return 'created';
  if (r.status === 409) return 'exists';
  throw new ApiCallError(r.status, r.data, 'POST /api/auth/register');
}
