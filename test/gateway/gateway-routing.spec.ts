/**
 * The gateway against real instances it discovers in the registry: a built gateway process, a live
 * coordinator, and tiny upstream processes that register like the services do. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { startRegistrar } from '../support/registrar-member.js';
import {
  startGateway,
  startUpstream,
  waitFor,
  waitForInstances,
  type RunningProcess,
} from './support/gateway-harness.js';

const ROOT = '/gateway-routing';
const SERVICE = 'course-enrollment';

interface Echo {
  instance: string;
  method: string;
  body: string;
  requestId: string | null;
}

describe('gateway routing', () => {
  let ensemble: Ensemble;
  let gateway: RunningProcess;
  let a: RunningProcess;
  let b: RunningProcess;

  beforeAll(async () => {
    ensemble = await startRegistrar({ members: 1, tickTime: 500, registrarFrom: 'dist' });
    [a, b] = await Promise.all([
      startUpstream({ connect: ensemble.connectString, root: ROOT, name: SERVICE, id: 'a' }),
      startUpstream({ connect: ensemble.connectString, root: ROOT, name: SERVICE, id: 'b' }),
    ]);
    gateway = await startGateway({
      COORDINATION_CONNECT_STRING: ensemble.connectString,
      REGISTRAR_ZK_ROOT: ROOT,
    });
    await waitForInstances(gateway, SERVICE, ['a', 'b']);
  });

  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    await a?.kill();
    await b?.kill();
    await ensemble?.stop();
  });

  it('passes the request id on and round-robins over the instances', async () => {
    const seen = new Set<string>();
    for (let k = 0; k < 6; k++) {
      const r = await fetch(`${gateway.url}/api/courses?k=${k}`, { headers: { 'x-request-id': `rid-${k}` } });
      expect(r.status).toBe(200);
      expect(r.headers.get('x-request-id')).toBe(`rid-${k}`);
      const body = (await r.json()) as Echo;
      expect(body.requestId).toBe(`rid-${k}`);
      seen.add(body.instance);
    }
    expect([...seen].sort()).toEqual(['a', 'b']);
  });

  it('forwards a POST body once and answers 404 JSON for unrouted paths', async () => {
    const r = await fetch(`${gateway.url}/api/courses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'CS101' }),
    });
    expect(r.status).toBe(201);
    expect(((await r.json()) as Echo).body).toBe('{"code":"CS101"}');
    const missing = await fetch(`${gateway.url}/api/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('lets a lecture hall of 500 students log in at once from one address', async () => {
    const answers = await Promise.all(
      Array.from({ length: 500 }, async (_, k) => {
        const r = await fetch(`${gateway.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `s${k}@example.edu`, password: 'x' }),
        });
        await r.text();
        return { status: r.status, limit: r.headers.get('x-ratelimit-limit-per-address') };
      }),
    );
    expect(answers.filter((a) => a.status !== 201)).toEqual([]);
    // The per-address limit is there, just sized for a crowd.
    expect(Number(answers[0]!.limit)).toBeGreaterThanOrEqual(10_000);
  });

  it('never repeats a POST that was sent, and repeats a GET exactly once', async () => {
    const hangs = async () => {
      const stats = await Promise.all(
        [a, b].map(async (u) => (await (await fetch(`${u.url}/__stats`)).json()) as { hangs: number }),
      );
      return stats.reduce((n, s) => n + s.hangs, 0);
    };
    const before = await hangs();
    const post = await fetch(`${gateway.url}/api/courses/hang`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(502);
    expect(await post.json()).toMatchObject({ statusCode: 502, error: 'Bad Gateway' });
    expect((await hangs()) - before).toBe(1);

    const get = await fetch(`${gateway.url}/api/courses/hang`);
    expect(get.status).toBe(502);
    expect((await hangs()) - before).toBe(3); // the POST once, the GET on two instances
  });

  it('loses no idempotent request when an instance is killed mid-traffic', async () => {
    let total = 0;
    let afterKill = 0;
    let killed = false;
    const failures: string[] = [];
    const lastServers: string[] = [];
    const byInstance = new Map<string, number>();
    const worker = async (w: number) => {
      while (afterKill < 300) {
        const method = total % 3 === 0 ? 'PUT' : 'GET';
        const r = await fetch(`${gateway.url}/api/courses/w${w}`, {
          method,
          body: method === 'PUT' ? '{}' : undefined,
        });
        const text = await r.text();
        total++;
        if (killed) afterKill++;
        if (r.status !== 200) {
          failures.push(`${method} ${r.status} ${text}`);
          continue;
        }
        const inst = (JSON.parse(text) as Echo).instance;
        byInstance.set(inst, (byInstance.get(inst) ?? 0) + 1);
        if (killed && afterKill > 200) lastServers.push(inst);
      }
    };
    const killer = (async () => {
      await waitFor(
        'traffic on both instances',
        async () => (byInstance.get('a') ?? 0) > 20 && (byInstance.get('b') ?? 0) > 20,
      );
      await a.kill('SIGKILL');
      killed = true;
    })();
    await Promise.all([killer, ...Array.from({ length: 8 }, (_, w) => worker(w))]);

    expect(failures).toEqual([]);
    expect(new Set(lastServers)).toEqual(new Set(['b']));
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    // The kill was felt (attempts on the dead instance failed) and hidden from every caller.
    expect(metrics).toMatch(
      /gateway_upstream_failures_total\{service="course-enrollment",kind="(not-sent|sent)"\} [1-9]/,
    );
  });

  it('retries a POST that never reached the dead instance, while its znode lingers', async () => {
    // 'a' was SIGKILLed: its session (and znode) lives on until it times out; refused connects are safe to redo.
    for (let k = 0; k < 4; k++) {
      const r = await fetch(`${gateway.url}/api/courses`, { method: 'POST', body: '{}' });
      expect(r.status).toBe(201);
      expect(((await r.json()) as Echo).instance).toBe('b');
    }
  });

  it('answers 503 JSON when every instance is dead', async () => {
    await b.kill('SIGKILL');
    const r = await fetch(`${gateway.url}/api/courses`);
    expect(r.status).toBe(503);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect(await r.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });

    await waitForInstances(gateway, SERVICE, []); // sessions expired, znodes gone
    const later = await fetch(`${gateway.url}/api/auth/login`, { method: 'POST', body: '{}' });
    expect(later.status).toBe(503);
    expect(await later.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'no live instance of course-enrollment',
    });
  });
});
