/**
 * `npm run bench -- platform [--students 500] [--courses 20] [--per-course 100] [--instances 3]`
 *
 * The whole platform twice in one run, first on our 3-member ensemble, then on Apache ZooKeeper
 * 3.8's (same start options: tickTime, forceSync=yes, Apache on stock JVM settings, ours from
 * dist/), each with a fresh SQLite file, `--instances` course-enrollment instances and the gateway
 * (`--direct`: straight to the instances, round-robin), the same load client. Only one platform
 * runs at a time. Workloads, each on fresh courses (30 seats, 50-place waitlist):
 * - opening minute: every student enrolls at once in one course;
 * - many courses: `courses` x `perCourse` enrollments, interleaved so every course is contended.
 * Registering and logging in the students is setup, not measured.
 *
 * Printed: decided enrollments/s (201 enrolled, 201 waitlisted, 409 full, per second of wall time),
 * p50/p99/max as the client saw them, the audit (database vs. capacity and vs. every answer), each
 * process's CPU time (from /proc) and peak RSS, the ratio ours/Apache, and where the time goes:
 * the instances' own registrar_stage_seconds / round-trip / HTTP histograms, scraped before and
 * after each workload. JSON goes to bench/results/platform-<time>.json.
 */
import { cpus, loadavg } from 'node:os';
import { progress, type Progress } from './progress.js';
import type { Command } from 'commander';
import type { StartOptions } from '../test/support/ensemble.js';
import { createCourse, staffToken, type Student } from '../test/e2e/course-enrollment/cluster.js';
import { auditLoad, registerStudentsWithRetry, runLoad, type Enrollment } from './platform-load.js';
import { combine, scrape, scrapeJson } from './platform-metrics.js';
import {
  renderProcesses,
  renderRatio,
  renderStages,
  renderThroughput,
  type ProcessUse,
  type WorkloadRun,
} from './platform-report.js';
import { startPlatformStack, type Coordinator, type PlatformStack } from './platform-stack.js';
import { sampleProcess } from './process-stats.js';
import { writeBenchResults } from './results-file.js';

interface PlatformBenchOptions {
  students: string;
  courses: string;
  perCourse: string;
  instances: string;
  inflight: string;
  direct?: boolean;
  only?: string;
  apacheFirst?: boolean;
  tick: string;
  cpuProf?: string;
}

const SEATS = 30;
const WAITLIST = 50;

interface Workload {
  name: string;
  courses: number;
  /** The enrollments, given the course ids and the students. */
  work: (courses: string[], students: Student[]) => Enrollment[];
}

function workloads(nStudents: number, nCourses: number, perCourse: number): Workload[] {
  return [
    {
      name: `opening minute (${nStudents} students, 1 course)`,
      courses: 1,
      work: (courses, students) =>
        students.slice(0, nStudents).map((student) => ({ courseId: courses[0]!, student })),
    },
    {
      name: `${nCourses} courses x ${perCourse}`,
      courses: nCourses,
      // Interleaved so every course is contended at once; a student at most once per course.
      work: (courses, students) =>
        Array.from({ length: nCourses * perCourse }, (_, i) => ({
          courseId: courses[i % nCourses]!,
          student: students[(Math.floor(i / nCourses) + (i % nCourses) * 7) % students.length]!,
        })),
    },
  ];
}

function sampleAll(stack: PlatformStack): Map<string, { pid: number; cpuMs: number }> {
  const out = new Map<string, { pid: number; cpuMs: number }>();
  for (const p of stack.processes())
    out.set(p.label, { pid: p.pid, cpuMs: sampleProcess(p.pid)?.cpuMs ?? 0 });
  return out;
}

function usedSince(
  stack: PlatformStack,
  before: Map<string, { pid: number; cpuMs: number }>,
  clientBefore: NodeJS.CpuUsage,
): ProcessUse[] {
  const uses: ProcessUse[] = stack.processes().map((p) => {
    const s = sampleProcess(p.pid);
    const b = before.get(p.label);
    return {
      label: p.label,
      cpuMs: s && b && b.pid === p.pid ? s.cpuMs - b.cpuMs : Number.NaN,
      peakRssBytes: s?.peakRssBytes ?? 0,
    };
  });
  const c = process.cpuUsage(clientBefore);
  uses.push({
    label: 'load client (this process)',
    cpuMs: (c.user + c.system) / 1000,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  });
  return uses;
}

async function benchOne(
  coordinator: Coordinator,
  start: StartOptions,
  opts: PlatformBenchOptions,
  bars: Progress,
): Promise<WorkloadRun[]> {
  const nStudents = Number(opts.students);
  const perCourse = Number(opts.perCourse);
  const stack = await startPlatformStack({
    coordinator,
    start,
    instances: Number(opts.instances),
    gateway: opts.direct !== true,
    ...(opts.cpuProf !== undefined ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] } : {}),
  });
  const runs: WorkloadRun[] = [];
  try {
    const setupUrl = stack.targets[0]!;
    const staff = await staffToken(setupUrl);
    const students = await registerStudentsWithRetry(
      stack.targets,
      Math.max(nStudents, perCourse),
      `bench-${coordinator}-${process.pid}`,
    );
    // With --cpu-prof: a quiet gap marks where setup ends in the profiles.
    if (opts.cpuProf !== undefined) await new Promise((r) => setTimeout(r, 2_000));
    let seq = 0;
    for (const w of workloads(nStudents, Number(opts.courses), perCourse)) {
      const courses: string[] = [];
      for (let c = 0; c < w.courses; c++) {
        courses.push(
          await createCourse(setupUrl, staff, {
            code: `BENCH-${coordinator}-${process.pid}-${++seq}`,
            title: 'Benchmark course',
            capacity: SEATS,
            waitlistCapacity: WAITLIST,
          }),
        );
      }
      const work = w.work(courses, students);
      const urls = stack.instances.map((i) => i.url);
      const scrapeBefore = await scrape(urls);
      const procBefore = sampleAll(stack);
      const clientBefore = process.cpuUsage();
      const bar = bars.create(work.length, `${coordinator} ${w.name}`.padEnd(44));
      const load = await runLoad(stack.targets, work, Number(opts.inflight), bar);
      const processes = usedSince(stack, procBefore, clientBefore);
      const stages = combine(await scrape(urls), scrapeBefore, -1);
      const audit = await auditLoad(await stack.db(), load.answers);
      const { answers: _answers, ...figures } = load;
      runs.push({ coordinator, workload: w.name, ...figures, audit, stages, processes });
    }
  } catch (e) {
    // What the services said is the first thing to read when a run breaks.
    for (const p of [...stack.instances, ...(stack.gateway ? [stack.gateway] : [])])
      console.error(`--- ${p.app} pid ${p.pid} (${p.logFile}):\n${p.logTail(15)}`);
    throw e;
  } finally {
    const keep = runs.some((r) => r.errors > 0);
    if (keep) console.error(`errors seen: the services' logs stay in ${stack.dir}`);
    await stack.stop(keep);
  }
  return runs;
}

/** Adds the `platform` subcommand to the bench CLI. */
export function registerPlatformBench(
  program: Command,
  fairStart: (tick: string, members?: number) => StartOptions,
): void {
  program
    .command('platform')
    .description(
      'the platform on our 3-member ensemble and on Apache ZooKeeper 3.8: opening minute and many courses, through the gateway',
    )
    .option('--students <n>', 'students (opening minute: all of them in one course)', '500')
    .option('--courses <n>', 'courses in the many-courses workload', '20')
    .option('--per-course <n>', 'students per course in the many-courses workload', '100')
    .option('--instances <n>', 'course-enrollment instances', '3')
    .option('--inflight <n>', 'requests in flight at most', '500')
    .option(
      '--direct',
      'send the load straight to the instances (round-robin) instead of through the gateway',
    )
    .option('--only <coordinator>', 'registrar or apache (default: both, ours first)')
    .option(
      '--apache-first',
      'run Apache ZooKeeper first (on a shared machine, alternate the order between runs)',
    )
    .option('--tick <ms>', 'tickTime for both ensembles', '2000')
    .option('--cpu-prof <dir>', 'write V8 CPU profiles of the course-enrollment instances into this folder')
    .action(async (opts: PlatformBenchOptions) => {
      const start = fairStart(opts.tick, 3);
      const coordinators: Coordinator[] =
        opts.only === 'apache'
          ? ['apache']
          : opts.only === 'registrar'
            ? ['registrar']
            : opts.apacheFirst === true
              ? ['apache', 'registrar']
              : ['registrar', 'apache'];
      const load0 = loadavg();
      const t0 = Date.now();
      const bars = progress('{label} {bar} {value}/{total} | {duration}s');
      const runs: WorkloadRun[] = [];
      try {
        for (const c of coordinators) {
          bars.log(
            `starting the platform on a 3-member ${c === 'apache' ? 'Apache ZooKeeper 3.8' : 'Registrar'} ensemble\n`,
          );
          runs.push(...(await benchOne(c, start, opts, bars)));
        }
      } finally {
        bars.stop();
      }
      const load1 = loadavg();
      const via = opts.direct === true ? 'straight to the instances (round-robin)' : 'through the gateway';
      console.log(
        `\n${opts.instances} course-enrollment instances, one SQLite file, load ${via}, ${opts.inflight} in flight at most; ` +
          `courses of ${SEATS} seats + ${WAITLIST}-place waitlist; tickTime=${opts.tick}, forceSync=yes on both ensembles`,
      );
      console.log(renderThroughput(runs));
      if (coordinators.length === 2) console.log(renderRatio(runs));
      console.log('CPU time per process during each workload (from /proc; the client is this process):');
      console.log(renderProcesses(runs));
      console.log("Where the time goes (the instances' own histograms, summed over the instances):");
      console.log(renderStages(runs));
      for (const r of runs)
        if (r.errors > 0)
          console.log(`${r.coordinator} ${r.workload} errors: ${JSON.stringify(r.errorKinds)}`);
      const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
      console.log(
        `${cpus().length} cores shared with whatever else runs; load average ${fmt(load0)} at start, ${fmt(load1)} at end; total ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
      writeBenchResults('platform', {
        options: opts,
        cores: cpus().length,
        loadavg: { start: load0, end: load1 },
        runs: runs.map((r) => ({ ...r, stages: scrapeJson(r.stages) })),
      });
    });
}
