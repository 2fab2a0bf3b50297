/**
 * Process-level fixture for course-enrollment suites: a coordinator ensemble (ours, or Apache
 * ZooKeeper with E2E_COORDINATOR=apache), one database (SQLite file or PostgreSQL with
 * E2E_DATABASE=postgres) and N course-enrollment instances as separate processes from dist/
 * sharing it; a small JSON client and a direct database handle for audits.
 */
import { DataSource } from 'typeorm';
import { startApacheZooKeeper } from '../../support/apache-zookeeper.js';
import { e2eCoordinatorKind } from '../../support/e2e-coordinator.js';
import { startE2eDatabases, type E2eDatabases } from '../../support/e2e-database.js';
import type { Ensemble } from '../../support/ensemble.js';
import { fourLetterWord } from '../../support/four-letter-word.js';
import { startRegistrar } from '../../support/registrar-member.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';

export const ADMIN = { email: 'registrar-admin@example.edu', password: 'admin-pass-123' };

export interface ClusterOptions {
  instances: number;
  /** Extra env per instance (index 0-based). */
  envOf?: (i: number) => Record<string, string>;
  /** Coordinator tick (ms); small ticks allow short session timeouts. */
  tickTime?: number;
  members?: number;
  /** Extra node flags for every instance. */
  nodeArgs?: string[];
}

export interface Cluster {
  ensemble: Ensemble;
  databases: E2eDatabases;
  instances: ServiceProcess[];
  root: string;
  baseEnv: Record<string, string>;
  /** Starts one more instance with `extra` env. */
  addInstance(extra?: Record<string, string>): Promise<ServiceProcess>;
  db(): Promise<DataSource>;
  stop(): Promise<void>;
}

export function startCoordinator(members: number, tickTime?: number): Promise<Ensemble> {
  const opts = { members, ...(tickTime !== undefined ? { tickTime } : {}) };
  return e2eCoordinatorKind() === 'apache'
    ? startApacheZooKeeper(opts)
    : startRegistrar({ ...opts, registrarFrom: 'dist' });
}

/** Index of the member that reports `Mode: leader`, or -1. */
export async function leaderIndex(ensemble: Ensemble): Promise<number> {
  for (const [i, m] of ensemble.members.entries()) {
    if (!m.running) continue;
    const srvr = await fourLetterWord(m.clientPort, 'srvr').catch(() => '');
    if (/^Mode: leader/m.test(srvr)) return i;
  }
  return -1;
}

let seq = 0;

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const ensemble = await startCoordinator(opts.members ?? 3, opts.tickTime);
  const databases = await startE2eDatabases();
  const root = `/e2e-ce-${process.pid}-${++seq}`;
  const dbEnv = databases.envFor(`course_enrollment_${seq}`);
  const baseEnv: Record<string, string> = {
    COORDINATION_CONNECT_STRING: ensemble.connectString,
    REGISTRAR_ZK_ROOT: root,
    ...dbEnv,
    REGISTRAR_ADMIN_EMAIL: ADMIN.email,
    REGISTRAR_ADMIN_PASSWORD: ADMIN.password,
    // Test-only: a cheap KDF so 500 students register in seconds on 2 cores (production: 17).
    PASSWORD_SCRYPT_LOG_N: '10',
    LOG_LEVEL: 'warn',
  };
  const instances: ServiceProcess[] = [];
  let n = 0;
  const addInstance = async (extra: Record<string, string> = {}) => {
    const svc = await startServiceProcess({
      app: 'course-enrollment',
      env: { ...baseEnv, INSTANCE_ID: `ce-${++n}`, ...extra },
      ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}),
    });
    instances.push(svc);
    return svc;
  };
  let ds: DataSource | undefined;
  const cluster: Cluster = {
    ensemble,
    databases,
    instances,
    root,
    baseEnv,
    addInstance,
    async db() {
      if (ds === undefined) {
        ds = new DataSource(
          dbEnv['DATABASE_URL'] !== undefined
            ? { type: 'postgres', url: dbEnv['DATABASE_URL'] }
            : { type: 'sqlite', database: dbEnv['DATABASE_PATH']!, busyTimeout: 10_000 },
        );
        await ds.initialize();
      }
      return ds;
    },
    async stop() {
      // Every step runs even if one fails: no instance or member may outlive the suite.
      await ds?.destroy().catch(() => undefined);
      await Promise.allSettled(instances.map((i) => i.stop()));
      await ensemble.stop().catch(() => undefined);
      await databases.stop().catch(() => undefined);
    },
  };
  try {
    // The first instance runs the migrations and seeds the staff account; the others then start together.
    if (opts.instances > 0) await addInstance(opts.envOf?.(0));
    await Promise.all(Array.from({ length: opts.instances - 1 }, (_, i) => addInstance(opts.envOf?.(i + 1))));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

export interface Reply {
  status: number;
  body: any;
}

/** One JSON request; network failures (a killed instance) come back as status 0. */
export async function call(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Reply> {
  try {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}),
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  } catch (e) {
    return { status: 0, body: { error: (e as Error).message } };
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function pool<T, R>(
  items: readonly T[],
  limit: number,
  work: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = Array.from({ length: items.length });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i]!, i);
      }
    }),
  );
  return out;
}

export interface Student {
  id: string;
  email: string;
  token: string;
}

/** Registers and logs in `count` students, spread over the instances. */
export async function registerStudents(urls: string[], count: number, tag: string): Promise<Student[]> {
  return pool(
    Array.from({ length: count }, (_, i) => i),
    25,
    async (i) => {
      const url = urls[i % urls.length]!;
      const email = `s${i}-${tag}@example.edu`;
      const reg = await call(url, 'POST', '/api/auth/register', {
        body: { email, password: 'student-pass-1', name: `Student ${i}` },
      });
      if (reg.status !== 201) throw new Error(`register ${email}: ${reg.status} ${JSON.stringify(reg.body)}`);
      const login = await call(url, 'POST', '/api/auth/login', {
        body: { email, password: 'student-pass-1' },
      });
      if (login.status !== 200)
        throw new Error(`login ${email}: ${login.status} ${JSON.stringify(login.body)}`);
      return { id: reg.body.id as string, email, token: login.body.accessToken as string };
    },
  );
}

export async function staffToken(url: string): Promise<string> {
  const r = await call(url, 'POST', '/api/auth/login', { body: ADMIN });
  if (r.status !== 200) throw new Error(`staff login: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.accessToken as string;
}

export async function createCourse(
  url: string,
  token: string,
  body: Record<string, unknown>,
): Promise<string> {
  const r = await call(url, 'POST', '/api/courses', { token, body });
  if (r.status !== 201) throw new Error(`create course: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id as string;
}

/** The database's view of one course, for audits. */
export interface SeatAudit {
  capacity: number;
  taken: number;
  waitlisted: number;
  fence: number;
  holds: Map<string, { status: string; ticket: number | null }>;
  /** Events in commit (id) order with their fencing tokens. */
  events: Array<{ id: number; holderId: string; to: string; fence: number }>;
}

export async function auditCourse(ds: DataSource, courseId: string): Promise<SeatAudit> {
  const p = ds.options.type === 'postgres' ? '$1' : '?';
  const [pool] = await ds.query(
    `SELECT capacity, taken, waitlisted, fence FROM course_seat_pools WHERE id = ${p}`,
    [courseId],
  );
  const holds = await ds.query(
    `SELECT holder_id, status, ticket FROM course_seat_holds WHERE pool_id = ${p}`,
    [courseId],
  );
  const events = await ds.query(
    `SELECT id, holder_id, to_status, fence FROM course_seat_events WHERE pool_id = ${p} ORDER BY id`,
    [courseId],
  );
  return {
    capacity: Number(pool.capacity),
    taken: Number(pool.taken),
    waitlisted: Number(pool.waitlisted),
    fence: Number(pool.fence),
    holds: new Map(
      holds.map((h: any) => [
        h.holder_id,
        { status: h.status, ticket: h.ticket === null ? null : Number(h.ticket) },
      ]),
    ),
    events: events.map((e: any) => ({
      id: Number(e.id),
      holderId: e.holder_id,
      to: e.to_status,
      fence: Number(e.fence),
    })),
  };
}

/** Events whose fencing token is lower than an earlier committed event's: writes by a stale lock holder. */
export function fenceRegressions(events: SeatAudit['events']): SeatAudit['events'] {
  let max = -1;
  const out: SeatAudit['events'] = [];
  for (const e of events) {
    if (e.fence < max) out.push(e);
    max = Math.max(max, e.fence);
  }
  return out;
}
