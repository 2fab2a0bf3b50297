/**
 * The gateway's own views of the cluster against a live 3-member ensemble (ours by default, Apache
 * ZooKeeper 3.8 with E2E_COORDINATOR=apache: the views use only srvr and standard reads): members
 * with their modes, registered instances, the live stream, the read-only znode browser, and a
 * killed leader replaced. Needs `npm run build`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eCoordinator } from '../support/e2e-coordinator.js';
import type { Ensemble } from '../support/ensemble.js';
import {
  startGateway,
  startUpstream,
  waitFor,
  waitForInstances,
  type RunningProcess,
} from './support/gateway-harness.js';

const ROOT = '/gateway-cluster';

interface Member {
  id: string;
  address: string;
  mode: string;
  epoch: number | null;
  lastZxid: string | null;
  connections: number | null;
  latencyMs: number | null;
}
interface Snapshot {
  members: Member[];
  leader: string | null;
  services: Record<string, { id: string; port: number; healthy: boolean; registeredAt: string }[]>;
}

describe('gateway cluster view and znode browser', () => {
  let ensemble: Ensemble;
  let gateway: RunningProcess;
  const upstreams: RunningProcess[] = [];

  beforeAll(async () => {
    ensemble = await startE2eCoordinator(3);
    upstreams.push(
      await startUpstream({
        connect: ensemble.connectString,
        root: ROOT,
        name: 'course-enrollment',
        id: 'ce-a',
      }),
    );
    gateway = await startGateway({
      COORDINATION_CONNECT_STRING: ensemble.connectString,
      REGISTRAR_ZK_ROOT: ROOT,
    });
    await waitForInstances(gateway, 'course-enrollment', ['ce-a']);
  });

  afterAll(async () => {
    await gateway?.kill('SIGTERM');
    for (const u of upstreams) await u.kill();
    await ensemble?.stop();
  });

  const snapshot = async () => (await (await fetch(`${gateway.url}/api/cluster`)).json()) as Snapshot;

  it('lists every member of the connect string with one leader, and the registered instances', async () => {
    const s = await snapshot();
    expect(s.members.map((m) => m.address)).toEqual(ensemble.connectString.split(','));
    expect(s.members.map((m) => m.id)).toEqual(['1', '2', '3']);
    expect(s.members.filter((m) => m.mode === 'leader')).toHaveLength(1);
    expect(s.members.filter((m) => m.mode === 'follower')).toHaveLength(2);
    expect(s.leader).toBe(s.members.find((m) => m.mode === 'leader')!.id);
    for (const m of s.members) {
      expect(m.lastZxid).toMatch(/^0x[0-9a-f]+$/);
      expect(m.epoch).toBe(Number(BigInt(m.lastZxid!) >> 32n));
      expect(m.connections).toBeGreaterThanOrEqual(0);
      expect(m.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(s.services['course-enrollment']).toEqual([
      {
        id: 'ce-a',
        address: '127.0.0.1',
        port: upstreams[0]!.port,
        rpcPort: null,
        version: 'test',
        healthy: true,
        registeredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    ]);
    expect(s.services['exam-registration']).toEqual([]);
  });

  it('pushes a snapshot on the live stream when an instance registers', async () => {
    const ctrl = new AbortController();
    const r = await fetch(`${gateway.url}/api/cluster/events`, { signal: ctrl.signal });
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = r.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const snapshots = async function* (): AsyncGenerator<Snapshot> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.includes('event: cluster') && data) yield JSON.parse(data.slice(6)) as Snapshot;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
      }
    };
    const stream = snapshots();
    const first = (await stream.next()).value as Snapshot;
    expect(first.members).toHaveLength(3);

    upstreams.push(
      await startUpstream({
        connect: ensemble.connectString,
        root: ROOT,
        name: 'exam-registration',
        id: 'er-a',
      }),
    );
    for (;;) {
      const next = await stream.next();
      if (next.done) throw new Error('stream ended');
      if ((next.value.services['exam-registration'] ?? []).some((i) => i.id === 'er-a')) break;
    }
    ctrl.abort();
  });

  it('shows a znode with its data, Stat and ephemeral owner, read-only', async () => {
    const services = await (await fetch(`${gateway.url}/api/znodes?path=${ROOT}/services`)).json();
    expect(services.children).toEqual(expect.arrayContaining(['course-enrollment']));
    expect(services.ephemeralOwner).toBeNull();

    const node = await (
      await fetch(`${gateway.url}/api/znodes?path=${ROOT}/services/course-enrollment/ce-a`)
    ).json();
    expect(node.data.encoding).toBe('utf8');
    expect(JSON.parse(node.data.value)).toMatchObject({
      name: 'course-enrollment',
      id: 'ce-a',
      port: upstreams[0]!.port,
    });
    expect(node.ephemeralOwner).toMatch(/^0x[0-9a-f]+$/);
    expect(node.stat.ephemeralOwner).toBe(node.ephemeralOwner);
    expect(node.stat.dataLength).toBe(node.data.length);

    const missing = await fetch(`${gateway.url}/api/znodes?path=${ROOT}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const bad = await fetch(`${gateway.url}/api/znodes?path=relative/path`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const write = await fetch(`${gateway.url}/api/znodes?path=${ROOT}`, { method: 'PUT', body: 'x' });
    expect(write.status).toBe(404); // no write route at all
  });

  it('shows the killed leader as down and the new leader', async () => {
    const before = await snapshot();
    const leader = before.leader!;
    await ensemble.kill(Number(leader) - 1, 'SIGKILL');
    await waitFor(
      'a new leader in /api/cluster',
      async () => {
        const s = await snapshot();
        const old = s.members.find((m) => m.id === leader)!;
        return old.mode === 'down' && s.leader !== null && s.leader !== leader;
      },
      60_000,
    );
  });
});
