/**
 * The admin HTTP port of our member: /commands as JSON (the same data as the four-letter words)
 * and Prometheus metrics at /metrics, fed by real traffic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { fourLetterWord, parseMntr } from '../support/four-letter-word.js';
import { RawSession } from '../support/raw-session.js';
import { startRegistrar } from '../support/registrar-member.js';

describe('admin HTTP port', () => {
  let zk: Ensemble;
  let base: string;
  beforeAll(async () => {
    zk = await startRegistrar({ admin: true });
    base = `http://127.0.0.1:${zk.members[0]!.adminPort}`;
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('lists commands and answers each with JSON matching the four-letter words', async () => {
    const list = (await (await fetch(`${base}/commands`)).json()) as { commands: string[] };
    expect(list.commands).toEqual(
      expect.arrayContaining(['ruok', 'srvr', 'mntr', 'conf', 'cons', 'envi', 'dump', 'wchs', 'isro']),
    );

    const port = zk.members[0]!.clientPort;
    const { raw } = await RawSession.session(port);
    await raw.call({
      op: 'create',
      path: '/admin-a',
      data: Buffer.from('x'),
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 1,
    });
    await raw.call({ op: 'getData', path: '/admin-a', watch: true });

    const srvr = (await (await fetch(`${base}/commands/srvr`)).json()) as Record<string, unknown>;
    const mntr = parseMntr(await fourLetterWord(port, 'mntr'));
    expect(srvr.command).toBe('srvr');
    expect(srvr.error).toBeNull();
    expect(srvr.server_state).toBe('standalone');
    expect(String(srvr.znode_count)).toBe(mntr.get('zk_znode_count'));
    expect(srvr.ephemerals_count).toBe(1);
    expect(srvr.watch_count).toBe(1);

    const dump = (await (await fetch(`${base}/commands/dump`)).json()) as {
      session_id_to_ephemeral_paths: Record<string, string[]>;
    };
    expect(Object.values(dump.session_id_to_ephemeral_paths)).toEqual([['/admin-a']]);
    const cons = (await (await fetch(`${base}/commands/cons`)).json()) as {
      connections: { last_operation: string }[];
    };
    expect(cons.connections.some((c) => c.last_operation === 'getData')).toBe(true);
    raw.close();
  });

  it('serves Prometheus metrics fed by traffic', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE zk_znode_count gauge$/m);
    expect(Number(/^zk_fsync_latency_seconds_count (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    expect(Number(/^zk_txns_committed_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(0);
    // Every answered request is counted and timed by op (the first test's create and getData).
    expect(text).toMatch(/^# TYPE zk_request_latency_seconds histogram$/m);
    expect(text).toMatch(/^# TYPE zk_requests_total counter$/m);
    for (const op of ['create', 'getData']) {
      expect(
        Number(new RegExp(`^zk_requests_total\\{op="${op}"\\} (\\d+)$`, 'm').exec(text)?.[1]),
      ).toBeGreaterThan(0);
      const count = Number(
        new RegExp(`^zk_request_latency_seconds_count\\{op="${op}"\\} (\\d+)$`, 'm').exec(text)?.[1],
      );
      const inf = Number(
        new RegExp(`^zk_request_latency_seconds_bucket\\{le="\\+Inf",op="${op}"\\} (\\d+)$`, 'm').exec(
          text,
        )?.[1],
      );
      expect(count).toBeGreaterThan(0);
      expect(inf).toBe(count);
    }
  });

  it('answers unknown commands with 404 and other methods with 405', async () => {
    expect((await fetch(`${base}/commands/nope`)).status).toBe(404);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${base}/commands/srvr`, { method: 'POST' })).status).toBe(405);
  });
});
