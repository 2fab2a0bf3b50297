/**
 * The platform an exam-registration suite runs on: a live coordinator ensemble (ours, or Apache
 * ZooKeeper 3.8 with E2E_COORDINATOR=apache), a database (SQLite file; PostgreSQL with
 * E2E_DATABASE=postgres), a test signing key published in the JWKS znode, and helpers to start
 * exam-registration instances as real processes from dist/.
 */
import { ZooKeeperClient } from '@registrar/coordination';
import { znodePaths, type ZnodePaths } from '@registrar/platform';
import { TestTokenIssuer } from '@registrar/platform/testing';
import { startE2eCoordinator } from '../../../support/e2e-coordinator.js';
import { startE2eDatabases, type E2eDatabases } from '../../../support/e2e-database.js';
import type { Ensemble } from '../../../support/ensemble.js';
import { startService, type ServiceProcess } from './service-process.js';

export interface ExamPlatform {
  ensemble: Ensemble;
  databases: E2eDatabases;
  zk: ZooKeeperClient;
  root: string;
  paths: ZnodePaths;
  issuer: TestTokenIssuer;
  services: ServiceProcess[];
  /** Common environment of every service process in this suite. */
  env(extra?: Record<string, string>): Record<string, string>;
  startExamService(extra?: Record<string, string>): Promise<ServiceProcess>;
  staffToken(id?: string): Promise<string>;
  studentToken(id: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startExamPlatform(name: string): Promise<ExamPlatform> {
  const ensemble = await startE2eCoordinator(3);
  const databases = await startE2eDatabases();
  const root = `/e2e-${name}-${process.pid}`;
  const paths = znodePaths(root);
  const zk = await ZooKeeperClient.connect(ensemble.connectString, { sessionTimeout: 30_000 });
  const issuer = await TestTokenIssuer.publish(zk, paths.jwks);
  const services: ServiceProcess[] = [];
  const env = (extra: Record<string, string> = {}) => ({
    COORDINATION_CONNECT_STRING: ensemble.connectString,
    COORDINATION_SESSION_TIMEOUT_MS: '6000',
    REGISTRAR_ZK_ROOT: root,
    ...databases.envFor('exam_registration'),
    ...extra,
  });
  return {
    ensemble,
    databases,
    zk,
    root,
    paths,
    issuer,
    services,
    env,
    async startExamService(extra = {}) {
      const s = await startService('exam-registration', env(extra));
      services.push(s);
      return s;
    },
    staffToken: (id = 'staff-1') =>
      issuer.sign({ id, role: 'staff', email: `${id}@example.edu`, name: 'Exam Officer' }),
    studentToken: (id) =>
      issuer.sign({ id, role: 'student', email: `${id}@example.edu`, name: `Student ${id}` }),
    async stop() {
      await Promise.allSettled(services.map((s) => s.stop()));
      await zk.close().catch(() => undefined);
      await ensemble.stop();
      await databases.stop();
    },
  };
}

/** A session a few days ahead (registration open), `hours` long. */
export function futureSession(
  id: string,
  opts: { room?: string; seats?: number; dayOffset?: number; hour?: number } = {},
) {
  const day = new Date(Date.now() + (opts.dayOffset ?? 10) * 86_400_000);
  day.setUTCHours(opts.hour ?? 9, 0, 0, 0);
  const end = new Date(day.getTime() + 2 * 3_600_000);
  return {
    id,
    startsAt: day.toISOString(),
    endsAt: end.toISOString(),
    room: opts.room ?? 'H1',
    seats: opts.seats ?? 20,
  };
}
