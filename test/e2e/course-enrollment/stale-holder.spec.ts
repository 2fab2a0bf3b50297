/**
 * Stale lock holder: an instance SIGSTOPped while it holds a course's lock, past its session
 * timeout, then resumed, must not write a seat — the database refuses its fencing token — and must
 * answer its caller 503 (retryable), not a false 201. The planted bug `skip-fence-check` turns the
 * token check off; the second test runs with it and asserts the anomaly is observed, which shows
 * the first test can fail. To watch the first test itself fail, run it with
 * `E2E_PLANTED_BUGS=skip-fence-check`.
 *
 * How the pause lands at the worst moment: the instance under test runs with the test-only
 * SEAT_TEST_PAUSE_AFTER_LOCK_MS, so after taking the lock it waits before writing; the test sees
 * its lock node (whose data is the instance id) and SIGSTOPs it then. Run `npm run build` first.
 */
import { ZooKeeperClient } from '@registrar/coordination';
import { znodePaths } from '@registrar/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../../support/service-process.js';
import {
  auditCourse,
  call,
  createCourse,
  fenceRegressions,
  registerStudents,
  staffToken,
  startCluster,
  type Cluster,
  type Reply,
  type SeatAudit,
  type Student,
} from './cluster.js';

const SESSION_MS = 2_000;
const PAUSE_AFTER_LOCK_MS = 1_500;

let cluster: Cluster;
let healthy: ServiceProcess;
let zk: ZooKeeperClient;
let staff: string;
let students: Student[];
let courseSeq = 0;

beforeAll(async () => {
  // tickTime 500 ms: the coordinator grants sessions from 1 s, so the paused instance expires quickly.
  cluster = await startCluster({ instances: 1, tickTime: 500 });
  healthy = cluster.instances[0]!;
  zk = await ZooKeeperClient.connect(cluster.ensemble.connectString);
  staff = await staffToken(healthy.url);
  students = await registerStudents([healthy.url], 6, `stale-${process.pid}`);
}, 180_000);

afterAll(async () => {
  await zk?.close().catch(() => undefined);
  await cluster?.stop();
});

async function startPausingInstance(
  instanceId: string,
  plantedBugs: string | undefined,
): Promise<ServiceProcess> {
  return cluster.addInstance({
    INSTANCE_ID: instanceId,
    COORDINATION_SESSION_TIMEOUT_MS: String(SESSION_MS),
    SEAT_TEST_PAUSE_AFTER_LOCK_MS: String(PAUSE_AFTER_LOCK_MS),
    ...(plantedBugs ? { REGISTRAR_PLANTED_BUGS: plantedBugs } : {}),
  });
}

/** Waits until `instanceId` holds (owns a node under) the course's lock. */
async function untilHolding(courseId: string, instanceId: string): Promise<void> {
  const lockPath = znodePaths(cluster.root).courseLock(courseId);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const children = await zk.getChildren(lockPath).catch(() => [] as string[]);
    for (const c of children) {
      const data = await zk.getData(`${lockPath}/${c}`).catch(() => null);
      if (data?.data.toString() === instanceId) return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${instanceId} never held the lock of ${courseId}`);
}

interface StaleRun {
  courseId: string;
  stale: Reply;
  audit: SeatAudit;
  staleStudent: Student;
}

/** s1 enrolls through the pausing instance, which is frozen holding the lock; s2 enrolls elsewhere; resume. */
async function staleHolderRun(pausing: ServiceProcess, instanceId: string): Promise<StaleRun> {
  const courseId = await createCourse(healthy.url, staff, {
    code: `STALE-${++courseSeq}`,
    title: 'Stale holder',
    capacity: 2,
    waitlistCapacity: 0,
  });
  const [s1, s2] = students.slice((courseSeq - 1) * 2);
  const staleReply = call(pausing.url, 'POST', `/api/courses/${courseId}/enrollments`, {
    token: s1!.token,
    body: {},
  });
  await untilHolding(courseId, instanceId);
  pausing.pause();
  try {
    // The healthy instance waits for the lock until the frozen one's session expires, then takes it
    // with a newer token and writes.
    const fresh = await call(healthy.url, 'POST', `/api/courses/${courseId}/enrollments`, {
      token: s2!.token,
      body: {},
    });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
  } finally {
    pausing.resume();
  }
  const stale = await staleReply;
  const audit = await auditCourse(await cluster.db(), courseId);
  return { courseId, stale, audit, staleStudent: s1! };
}

describe('a stale lock holder', () => {
  it('is refused by the fencing token and answers 503 retryable, not a false 201', async () => {
    const planted = process.env['E2E_PLANTED_BUGS'];
    const pausing = await startPausingInstance('stale-checked', planted);
    const { courseId, stale, audit, staleStudent } = await staleHolderRun(pausing, 'stale-checked');

    expect(stale.status, JSON.stringify(stale.body)).toBe(503);
    expect(stale.body).toMatchObject({ statusCode: 503, retryable: true, reason: 'stale-fence' });
    expect(audit.holds.has(staleStudent.id)).toBe(false);
    expect(audit.taken).toBe(1);
    expect(fenceRegressions(audit.events)).toEqual([]);

    // Retryable indeed: the same instance, on a new session, now enrolls the student.
    const retry = await call(pausing.url, 'POST', `/api/courses/${courseId}/enrollments`, {
      token: staleStudent.token,
      body: {},
    });
    expect(retry.status, JSON.stringify(retry.body)).toBe(201);
    expect(retry.body).toMatchObject({ status: 'enrolled' });
    await pausing.stop();
  });

  it('with the planted bug skip-fence-check, the stale write is accepted: the anomaly is observed', async () => {
    const pausing = await startPausingInstance('stale-planted', 'skip-fence-check');
    const { stale, audit, staleStudent } = await staleHolderRun(pausing, 'stale-planted');

    // The false 201: written under a token older than the one the database had already recorded.
    expect(stale.status, JSON.stringify(stale.body)).toBe(201);
    expect(audit.holds.get(staleStudent.id)?.status).toBe('seated');
    expect(fenceRegressions(audit.events).map((e) => e.holderId)).toEqual([staleStudent.id]);
    await pausing.stop();
  });
});
