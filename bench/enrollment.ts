/**
 * Enrollment load: `npm run bench -- enrollment [--students 500] [--courses 20] [--per-course 100]`.
 *
 * Starts a 3-member Registrar ensemble (from dist/), one database (SQLite file; PostgreSQL with
 * E2E_DATABASE=postgres) and 3 course-enrollment instances as processes, registers the students,
 * then runs, with traffic on 1 instance and then spread over 3:
 * - opening minute: every student enrolls at once in one 30-seat course (50-place waitlist);
 * - many courses: `courses` x `perCourse` students, all at once, each course 30 seats.
 * Prints decided enrollments/s (201 or 409 answers per second of wall time), p50/p99/max latency,
 * and an overbooking audit from the database (taken <= capacity, counters = seat rows).
 * With one instance serving, the other two stay up but receive no requests.
 * Results also go to bench/results/enrollment-<time>.json.
 */
import { cpus, loadavg } from 'node:os';
import { progress } from './progress.js';
import Table from 'cli-table3';
import type { Command } from 'commander';
import {
  auditCourse,
  createCourse,
  registerStudents,
  staffToken,
  startCluster,
  type Cluster,
  type Student,
} from '../test/e2e/course-enrollment/cluster.js';
import { runLoad } from './platform-load.js';
import { writeBenchResults } from './results-file.js';

interface EnrollmentBenchOptions {
  students: string;
  courses: string;
  perCourse: string;
  inflight: string;
}

interface ScenarioResult {
  scenario: string;
  instances: number;
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
  audit: string;
}

const SEATS = 30;
const WAITLIST = 50;
let codeSeq = 0;

async function runScenario(
  cluster: Cluster,
  name: string,
  instances: number,
  work: Array<{ courseId: string; student: Student }>,
  inflight: number,
): Promise<ScenarioResult> {
  const urls = cluster.instances.slice(0, instances).map((i) => i.url);
  const bars = progress('{label} {bar} {value}/{total} | {duration}s');
  const bar = bars.create(work.length, `${name} x${instances}`.padEnd(22));
  const { answers: _answers, ...load } = await runLoad(urls, work, inflight, bar);
  bars.stop();
  const ds = await cluster.db();
  const problems: string[] = [];
  for (const courseId of new Set(work.map((w) => w.courseId))) {
    const a = await auditCourse(ds, courseId);
    const seated = [...a.holds.values()].filter((h) => h.status === 'seated').length;
    const waiting = [...a.holds.values()].filter((h) => h.status === 'waitlisted').length;
    if (a.taken > a.capacity) problems.push(`${courseId}: OVERBOOKED ${a.taken}/${a.capacity}`);
    if (seated !== a.taken || waiting !== a.waitlisted) problems.push(`${courseId}: counters != rows`);
  }
  return {
    scenario: name,
    instances,
    ...load,
    audit: problems.length === 0 ? 'ok (never above capacity)' : problems.join('; '),
  };
}

async function newCourse(cluster: Cluster, staff: string): Promise<string> {
  return createCourse(cluster.instances[0]!.url, staff, {
    code: `BENCH-${process.pid}-${++codeSeq}`,
    title: 'Benchmark course',
    capacity: SEATS,
    waitlistCapacity: WAITLIST,
  });
}

function render(results: ScenarioResult[]): string {
  const t = new Table({
    head: [
      'scenario',
      'instances',
      'requests',
      'decided/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'enrolled',
      'waitlisted',
      '409',
      'errors',
      'audit',
    ],
  });
  for (const r of results) {
    t.push([
      r.scenario,
      r.instances,
      r.requests,
      r.decidedPerSecond.toFixed(0),
      r.p50,
      r.p99,
      r.max,
      r.enrolled,
      r.waitlisted,
      r.refused,
      r.errors,
      r.audit,
    ]);
  }
  return t.toString();
}

export function registerEnrollmentCommand(program: Command): void {
  program
    .command('enrollment')
    .description('course-enrollment under load: opening minute and many courses, 1 and 3 instances')
    .option('--students <n>', 'students (opening minute: all of them in one course)', '500')
    .option('--courses <n>', 'courses in the many-courses scenario', '20')
    .option('--per-course <n>', 'students per course in the many-courses scenario', '100')
    .option('--inflight <n>', 'requests in flight at most', '500')
    .action(async (opts: EnrollmentBenchOptions) => {
      const nStudents = Number(opts.students);
      const nCourses = Number(opts.courses);
      const perCourse = Number(opts.perCourse);
      const inflight = Number(opts.inflight);
      console.log('starting a 3-member ensemble, one database and 3 course-enrollment instances ...');
      const cluster = await startCluster({ instances: 3 });
      try {
        const staff = await staffToken(cluster.instances[0]!.url);
        console.log(`registering ${Math.max(nStudents, perCourse)} students (setup, not measured) ...`);
        const students = await registerStudents(
          cluster.instances.map((i) => i.url),
          Math.max(nStudents, perCourse),
          `bench-${process.pid}`,
        );
        const results: ScenarioResult[] = [];
        for (const instances of [1, 3]) {
          const opening = await newCourse(cluster, staff);
          results.push(
            await runScenario(
              cluster,
              'opening minute',
              instances,
              students.slice(0, nStudents).map((student) => ({ courseId: opening, student })),
              inflight,
            ),
          );
          const courses: string[] = [];
          for (let c = 0; c < nCourses; c++) courses.push(await newCourse(cluster, staff));
          // Interleaved so every course is contended at once.
          const work = Array.from({ length: nCourses * perCourse }, (_, i) => ({
            courseId: courses[i % nCourses]!,
            student: students[(Math.floor(i / nCourses) + (i % nCourses) * 7) % students.length]!,
          }));
          results.push(
            await runScenario(cluster, `${nCourses} courses x ${perCourse}`, instances, work, inflight),
          );
        }
        console.log(render(results));
        // Context for the figures: every process (ensemble, instances, this client) shares these cores.
        console.log(
          `${cpus().length} cores; load average ${loadavg()
            .map((l) => l.toFixed(1))
            .join(' ')}`,
        );
        for (const r of results) {
          if (r.errors > 0)
            console.log(`${r.scenario} x${r.instances} errors: ${JSON.stringify(r.errorKinds)}`);
        }
        writeBenchResults('enrollment', {
          options: opts,
          database: cluster.databases.kind,
          cores: cpus().length,
          loadavg: loadavg(),
          results,
        });
      } finally {
        await cluster.stop();
      }
    });
}
