/**
 * `npm start -- --coordinator <Apache ZooKeeper ensemble>`: the same platform on a 3-member Debian
 * ZooKeeper 3.8 ensemble, no code changed. The launcher starts no members of its own, and Ctrl-C
 * leaves the ensemble it did not start alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheZooKeeperAvailable, startApacheZooKeeper } from '../support/apache-zookeeper.js';
import type { Ensemble } from '../support/ensemble.js';
import { alive, startPlatform, type RunningPlatform } from './support/platform-launcher.js';

describe.skipIf(!apacheZooKeeperAvailable())('npm start on an Apache ZooKeeper ensemble', () => {
  let zk: Ensemble;
  let platform: RunningPlatform;

  beforeAll(async () => {
    zk = await startApacheZooKeeper({ members: 3 });
    platform = await startPlatform({ coordinator: zk.connectString });
  });

  afterAll(async () => {
    if (platform) await platform.interrupt();
    await zk?.stop();
  });

  it('runs the services and the gateway on it, and the dashboard shows its members', async () => {
    expect(platform.output()).toContain(`using the ensemble at ${zk.connectString}`);
    expect(platform.descendants().some((pid) => zk.members.some((m) => m.pid === pid))).toBe(false);
    const cluster = (await (await fetch(`${platform.url}/api/cluster`)).json()) as {
      members: { address: string; mode: string }[];
      services: Record<string, { healthy: boolean }[]>;
    };
    expect(cluster.members.map((m) => m.address)).toEqual(zk.connectString.split(','));
    expect(cluster.members.map((m) => m.mode).sort()).toEqual(['follower', 'follower', 'leader']);
    expect(cluster.services['course-enrollment']!.filter((i) => i.healthy)).toHaveLength(2);
    expect(cluster.services['exam-registration']!.filter((i) => i.healthy)).toHaveLength(2);
  });

  it('enrolls the printed student through the gateway', async () => {
    const login = await fetch(`${platform.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(platform.student),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const auth = { authorization: `Bearer ${accessToken}` };
    const courses = (await (
      await fetch(`${platform.url}/api/courses?pageSize=100`, { headers: auth })
    ).json()) as {
      items: { id: string; code: string }[];
    };
    const course = courses.items.find((c) => c.code === 'MATH201')!;
    const r = await fetch(`${platform.url}/api/courses/${course.id}/enrollments`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(r.status).toBe(201);
  });

  it('stops its own children on Ctrl-C and leaves the ensemble running', async () => {
    const pids = platform.descendants();
    await platform.interrupt();
    expect(pids.filter(alive)).toEqual([]);
    expect(zk.members.every((m) => alive(m.pid))).toBe(true);
  });
});
