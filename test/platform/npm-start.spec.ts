/**
 * `npm start` as a user runs it: a fresh data folder, free ports (--port-offset), wait until it says
 * it is ready, use the credentials it printed, then Ctrl-C and check that nothing it started is left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, startPlatform, type RunningPlatform } from './support/platform-launcher.js';

interface Cluster {
  members: { id: string; mode: string }[];
  leader: string | null;
  services: Record<string, { id: string; healthy: boolean }[]>;
}

describe('npm start', () => {
  let platform: RunningPlatform;

  beforeAll(async () => {
    platform = await startPlatform();
  });

  afterAll(async () => {
    if (platform) await platform.interrupt();
  });

  const call = async <T>(path: string, init: { method?: string; token?: string; body?: unknown } = {}) => {
    const r = await fetch(platform.url + path, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    return { status: r.status, body: (await r.json()) as T };
  };
  const login = async (c: { email: string; password: string }) =>
    (await call<{ accessToken: string }>('/api/auth/login', { method: 'POST', body: c })).body.accessToken;

  it('prints the dashboard URL and generated credentials that work', async () => {
    expect(platform.staff.email).toBe('staff@registrar.example');
    expect(platform.staff.password.length).toBeGreaterThanOrEqual(12);
    const token = await login(platform.staff);
    const me = await call<{ role: string }>('/api/auth/me', { token });
    expect(me.body.role).toBe('staff');
    const page = await fetch(platform.url + '/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app">');
  });

  it('shows the ensemble and every instance through /api/cluster', async () => {
    const { body } = await call<Cluster>('/api/cluster');
    expect(body.members).toHaveLength(3);
    expect(body.members.filter((m) => m.mode === 'leader')).toHaveLength(1);
    expect(body.members.filter((m) => m.mode === 'follower')).toHaveLength(2);
    for (const service of ['course-enrollment', 'exam-registration']) {
      expect(body.services[service]!.map((i) => i.id).sort()).toEqual([`${service}-1`, `${service}-2`]);
      expect(body.services[service]!.every((i) => i.healthy)).toBe(true);
    }
  });

  it('enrolls the printed student in a seeded course through the gateway', async () => {
    const token = await login(platform.student);
    const courses = await call<{ items: { id: string; code: string; enrolled: number }[] }>(
      '/api/courses?pageSize=100',
      {
        token,
      },
    );
    const cs101 = courses.body.items.find((c) => c.code === 'CS101')!;
    expect(cs101).toBeDefined();
    const enrolled = await call<{ status: string }>(`/api/courses/${cs101.id}/enrollments`, {
      method: 'POST',
      token,
      body: {},
    });
    expect(enrolled).toEqual({ status: 201, body: expect.objectContaining({ status: 'enrolled' }) });
    const mine = await call<{ courseId: string; status: string }[]>('/api/students/me/enrollments', {
      token,
    });
    expect(mine.body).toContainEqual(expect.objectContaining({ courseId: cs101.id, status: 'enrolled' }));
    const after = await call<{ enrolled: number }>(`/api/courses/${cs101.id}`, { token });
    expect(after.body.enrolled).toBe(cs101.enrolled + 1);
  });

  it('loses no idempotent request through the gateway when an instance is SIGKILLed mid-traffic', async () => {
    const token = await login(platform.staff);
    const victim = platform.instancePid('course-enrollment-1');
    expect(victim).toBeDefined();
    let total = 0;
    let afterKill = 0;
    let killed = false;
    const failures: string[] = [];
    const worker = async () => {
      while (afterKill < 150) {
        const r = await fetch(`${platform.url}/api/courses?pageSize=100`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const text = await r.text();
        total++;
        if (killed) afterKill++;
        if (r.status !== 200) failures.push(`${r.status} ${text}`);
        if (!killed && total >= 60) {
          killed = true;
          process.kill(victim!, 'SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(failures).toEqual([]);
    expect(platform.output()).toMatch(
      /!!! course-enrollment-1 \(pid \d+\) was killed by SIGKILL\. It is NOT restarted/,
    );
  });

  it('stops every child on Ctrl-C', async () => {
    const pids = platform.descendants();
    // launcher (through npm's shell and tsx), 3 members, 3 instances left, the gateway
    expect(pids.length).toBeGreaterThanOrEqual(7);
    const code = await platform.interrupt();
    expect(platform.output()).toContain('[start] all processes stopped');
    expect(code === 0 || code === null || code === 130).toBe(true);
    expect(pids.filter(alive)).toEqual([]);
  });
});
