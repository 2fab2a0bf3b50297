/**
 * Boot-time registration when the coordinator member the instance talks to goes away: a real
 * exam-registration process from dist/, a live 3-member ensemble. The instance is held (test-only
 * REGISTRAR_TEST_HOLD_REGISTRATION: until a file exists) after it listens and before it registers;
 * the member holding its session is then SIGSTOPped and the hold released, so the registry create is in flight on a dead
 * connection and fails with ConnectionLoss. Before the fix the process exited with status 1 there;
 * now it retries with bounded backoff, reconnects to another member, registers and serves.
 * And an instance started while the ensemble has no quorum waits for it, then comes up; one whose
 * session expires is healthy and registered again on a new session.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '@registrar/coordination';
import { signal, stopMember, tail, type MemberProcess } from '../../support/member-process.js';
import { fourLetterWord } from '../../support/four-letter-word.js';
import { startExamPlatform, type ExamPlatform } from './support/exam-env.js';
import { spawnService } from './support/service-process.js';

let platform: ExamPlatform;
let instance: MemberProcess | undefined;
let logFile = '';
const stoppedMembers = new Set<number>();
let observer: ZooKeeperClient | undefined;

beforeAll(async () => {
  platform = await startExamPlatform('boot-registration');
});

afterAll(async () => {
  for (const pid of stoppedMembers) signal(pid, 'SIGCONT');
  await stopInstance();
  await observer?.close().catch(() => undefined);
  await platform?.stop();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (instance?.hasExited())
      throw new Error(
        `the instance exited (${String(await instance.exited)}) while waiting for ${what}:\n${tail(logFile)}`,
      );
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const logHas = (file: string, text: string) => async () =>
  (await readFile(file, 'utf8').catch(() => '')).includes(text);

/** Starts an exam-registration process from dist/ without waiting for it to be healthy. */
async function spawnInstance(extra: Record<string, string> = {}) {
  logFile = join(mkdtempSync(join(tmpdir(), 'registrar-e2e-boot-')), 'instance.log');
  const svc = await spawnService('exam-registration', platform.env(extra), { logFile });
  instance = svc.process;
  return {
    proc: svc.process,
    httpPort: svc.httpPort,
    instanceId: svc.instanceId,
    url: svc.url,
    registryPath: `${platform.paths.services}/exam-registration/${svc.instanceId}`,
  };
}

async function stopInstance(): Promise<void> {
  if (instance !== undefined) await stopMember(instance, 10_000);
  instance = undefined;
}

function pause(pid: number): void {
  signal(pid, 'SIGSTOP');
  stoppedMembers.add(pid);
}

function resume(pid: number): void {
  signal(pid, 'SIGCONT');
  stoppedMembers.delete(pid);
}

describe('boot-time registration', () => {
  it('survives ConnectionLoss: retries, reconnects to another member, registers and serves', async () => {
    const release = join(mkdtempSync(join(tmpdir(), 'registrar-e2e-hold-')), 'release-registration');
    const { proc, httpPort, instanceId, url, registryPath } = await spawnInstance({
      REGISTRAR_TEST_HOLD_REGISTRATION: release,
    });

    // Listening, session up, held before registering.
    await until('the hold', logHas(logFile, 'TEST HOLD'));
    let health = await request(url).get('/health');
    expect(health.status).toBe(200);
    expect(await platform.zk.exists(registryPath)).toBeNull();

    // Take away the member that holds the instance's session, then let the registration go.
    const server = health.body.info.coordinator.server as string;
    const index = platform.ensemble.members.findIndex((m) => server.endsWith(`:${m.clientPort}`));
    expect(index).toBeGreaterThanOrEqual(0);
    const member = platform.ensemble.members[index]!;
    pause(member.pid);
    writeFileSync(release, '');

    // The create was in flight on the dead connection: ConnectionLoss, logged and retried.
    await until('a failed registration attempt', logHas(logFile, `${instanceId} failed (attempt 1)`));
    expect(proc.hasExited()).toBe(false);

    // Observed through the members that still answer (the suite's own client may be on the stopped one).
    const others = platform.ensemble.members.filter((_, i) => i !== index);
    observer = await ZooKeeperClient.connect(others.map((m) => `127.0.0.1:${m.clientPort}`).join(','), {
      sessionTimeout: 30_000,
    });
    const zk = observer;
    await until('the registry entry', async () => (await zk.exists(registryPath)) !== null);
    const { data } = await zk.getData(registryPath);
    expect(JSON.parse(data.toString('utf8'))).toMatchObject({
      name: 'exam-registration',
      id: instanceId,
      port: httpPort,
    });

    await until('health 200', async () => (await request(url).get('/health')).status === 200);
    health = await request(url).get('/health');
    expect(health.body.info.coordinator.server).not.toBe(server);
    expect((await request(url).get('/api/exams')).status).toBe(200);
    expect(proc.hasExited(), tail(logFile)).toBe(false);
    resume(member.pid);
    await observer.close();
    observer = undefined;
    await stopInstance();
  });

  it('boots while the ensemble has no quorum, waits, and registers and serves once it is back', async () => {
    // Two of three members paused: the third cannot serve (it says so to srvr once it notices).
    const [kept, ...paused] = platform.ensemble.members;
    for (const m of paused) pause(m.pid);
    await until('the remaining member to stop serving', async () =>
      (await fourLetterWord(kept!.clientPort, 'srvr').catch(() => '')).includes('not currently serving'),
    );
    const { proc, url, registryPath } = await spawnInstance();
    // Give the instance time to dial while nothing can serve it. The outcome does not depend on
    // this wait: restored earlier or later (within the 30 s first-session bound), it must come up.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(proc.hasExited(), tail(logFile)).toBe(false);
    const early = await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 'not listening',
    );
    expect(early).not.toBe(200);

    for (const m of paused) resume(m.pid);
    await until('health 200', async () =>
      fetch(`${url}/health`).then(
        (r) => r.status === 200,
        () => false,
      ),
    );
    await until('the registry entry', async () => (await platform.zk.exists(registryPath)) !== null);
    expect((await request(url).get('/api/exams')).status).toBe(200);
    expect(proc.hasExited(), tail(logFile)).toBe(false);
    await stopInstance();
  });
  it('after its session expires (no quorum past the session timeout), is healthy and registered again on a new session', async () => {
    const { proc, url, registryPath } = await spawnInstance();
    await until('health 200', async () =>
      fetch(`${url}/health`).then(
        (r) => r.status === 200,
        () => false,
      ),
    );
    await until('the registry entry', async () => (await platform.zk.exists(registryPath)) !== null);
    const before = (await platform.zk.exists(registryPath))!.ephemeralOwner;

    const [, ...paused] = platform.ensemble.members;
    for (const m of paused) pause(m.pid);
    // While the session is down, /health answers 503 naming the failing check and its state.
    const unhealthy: Array<{ message?: string; checks?: { coordinator?: { state?: string } } }> = [];
    await until('the instance to see its session expire', async () => {
      const r = await request(url).get('/health');
      if (r.status === 503) unhealthy.push(r.body);
      return logHas(logFile, 'EXPIRED')();
    });
    for (const m of paused) resume(m.pid);
    expect(unhealthy.length, 'a 503 from /health while the quorum was paused').toBeGreaterThan(0);
    const last = unhealthy.at(-1)!;
    expect(last.message).toMatch(/^not ready: coordinator down \([A-Z_]+\)$/);
    expect(last.message).toContain(last.checks?.coordinator?.state);

    // The recipes move to a new session (client factory); /health follows the current one.
    await until('health 200 again', async () => (await request(url).get('/health')).status === 200);
    await until('a registry entry of the new session', async () => {
      const stat = await platform.zk.exists(registryPath);
      return stat !== null && stat.ephemeralOwner !== before;
    });
    expect((await request(url).get('/api/exams')).status).toBe(200);
    expect(proc.hasExited(), tail(logFile)).toBe(false);
    await stopInstance();
  });
});
