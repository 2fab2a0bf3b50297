import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { EventType, KeeperState } from '../../../libs/coordination/src/protocol/constants.js';
import {
  AuthFailedError,
  ConnectionLossError,
  SessionExpiredError,
} from '../../../libs/coordination/src/protocol/errors.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, recordStates, recorder, sleep, until } from './helpers.js';
import { TcpProxy } from './tcp-proxy.js';

describeEachTarget('client sessions', (target) => {
  let zk: Ensemble;
  let observer: ZooKeeperClient;
  const pool = new ClientPool();
  const proxies: TcpProxy[] = [];

  const proxy = async () => {
    const p = new TcpProxy('127.0.0.1', zk.members[0]!.clientPort);
    await p.start();
    proxies.push(p);
    return p;
  };

  beforeAll(async () => {
    // tickTime 500 -> sessions may be 1 s .. 10 s by default; the restart test needs more (below).
    zk = await target.start({ tickTime: 500, maxSessionTimeout: 30_000 });
    observer = await pool.open(zk.connectString, { sessionTimeout: 10_000 });
  });
  afterEach(async () => {
    for (const p of proxies.splice(0)) await p.stop();
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('resumes the session after a partition; SetWatches delivers what changed meanwhile', async () => {
    const p = await proxy();
    const c = await pool.open(p.connectString, { sessionTimeout: 10_000 });
    const states = recordStates(c);
    const sid = c.sessionId;
    await c.create('/part', 'v0');
    await c.create('/part/eph', '', { mode: 'ephemeral' });
    const data = recorder();
    const exist = recorder();
    const child = recorder();
    const untouched = recorder();
    const recursive = recorder();
    await c.getData('/part', data.listener);
    await c.exists('/part/new', exist.listener);
    await c.getChildren('/part', child.listener);
    await c.create('/part/quiet');
    await c.getData('/part/quiet', untouched.listener);
    await c.addWatch('/part', 'recursive', recursive.listener);

    p.cut();
    await c.waitForState('DISCONNECTED');
    // Made while our client is cut off: it must learn of them through SetWatches on resume.
    await observer.setData('/part', 'v1');
    await observer.create('/part/new');
    const queuedRead = c.getData('/part'); // queued while disconnected, sent after the handshake
    p.restore();
    await c.waitForState('CONNECTED');
    expect(c.sessionId).toBe(sid);
    expect((await queuedRead).data.toString()).toBe('v1');
    await until(
      () => data.events.length > 0 && exist.events.length > 0 && child.events.length > 0,
      'catch-up events',
    );
    expect(data.events.map((e) => e.type)).toEqual([EventType.NodeDataChanged]);
    expect(exist.events.map((e) => e.type)).toEqual([EventType.NodeCreated]);
    expect(child.events.map((e) => e.type)).toEqual([EventType.NodeChildrenChanged]);
    expect(states).toEqual(['DISCONNECTED', 'CONNECTED']);

    // Still registered: the untouched one-shot watch and the recursive one (re-added by SetWatches2).
    await observer.setData('/part/quiet', 'now');
    await until(() => untouched.events.length === 1, 'untouched watch fires after resume');
    await until(() => recursive.events.some((e) => e.path === '/part/quiet'), 'recursive watch after resume');
    expect((await observer.exists('/part/eph'))?.ephemeralOwner).toBe(sid);
    await c.close();
  });

  it('SIGSTOP on the server: DISCONNECTED (in-flight request lost), then CONNECTED with the same session', async () => {
    const c = await pool.open(zk.connectString, { sessionTimeout: 10_000 });
    const sid = c.sessionId;
    await c.create('/stop', 'a');
    await c.create('/stop/eph', '', { mode: 'ephemeral' });
    const w = recorder();
    await c.getData('/stop', w.listener);
    const states = recordStates(c);

    await zk.kill(0, 'SIGSTOP');
    let inflight: unknown;
    try {
      const lost = c.getData('/stop').catch((e: unknown) => (inflight = e));
      await c.waitForState('DISCONNECTED');
      await lost;
    } finally {
      await zk.kill(0, 'SIGCONT');
    }
    expect(inflight).toBeInstanceOf(ConnectionLossError);
    await c.waitForState('CONNECTED');
    expect(c.sessionId).toBe(sid);
    expect(states.slice(0, 2)).toEqual(['DISCONNECTED', 'CONNECTED']);
    expect((await observer.exists('/stop/eph'))?.ephemeralOwner).toBe(sid);
    await observer.setData('/stop', 'b');
    await until(() => w.events.length === 1, 'watch re-registered after SIGCONT');
    expect(w.events[0]).toMatchObject({ type: EventType.NodeDataChanged, path: '/stop' });
    await c.close();
  }, 60_000);

  it('server restart (kill + restart, same data): same session, ephemerals and watches intact', async () => {
    // The session must outlive a cold restart of the server: a JVM start on a busy 2-core machine has
    // taken over 10 s. A fresh path per attempt keeps a retry meaningful.
    const c = await pool.open(zk.connectString, { sessionTimeout: 30_000 });
    const sid = c.sessionId;
    const root = `/rs-${Date.now().toString(36)}`;
    await c.create(root, 'a');
    await c.create(`${root}/eph`, '', { mode: 'ephemeral' });
    const w = recorder();
    await c.getChildren(root, w.listener);
    const states = recordStates(c);
    await zk.kill(0, 'SIGKILL');
    await c.waitForState('DISCONNECTED');
    await zk.restart(0);
    await c.waitForState('CONNECTED');
    expect(c.sessionId).toBe(sid);
    expect(states).toEqual(['DISCONNECTED', 'CONNECTED']);
    const check = await pool.open(zk.connectString);
    expect((await check.exists(`${root}/eph`))?.ephemeralOwner).toBe(sid);
    await check.create(`${root}/new`);
    await until(() => w.events.length === 1, 'child watch after restart');
    expect(w.events[0]).toMatchObject({ type: EventType.NodeChildrenChanged, path: root });
    await c.close();
    await observer.sync('/'); // observer survived the restart too
  }, 90_000);

  it('expiry decided by the server (session closed elsewhere): EXPIRED, watches told, ephemerals gone', async () => {
    const p = await proxy();
    const c = await pool.open(p.connectString, { sessionTimeout: 10_000 });
    await c.create('/exp', '');
    await c.create('/exp/eph', '', { mode: 'ephemeral' });
    const w = recorder();
    await c.getData('/exp', w.listener);
    const states = recordStates(c);
    const iterated: number[] = [];
    const loop = (async () => {
      for await (const e of c.watchEvents('/exp', { kind: 'recursive' })) iterated.push(e.state);
    })();
    await until(
      async () =>
        c.checkWatches('/exp', 'any').then(
          () => true,
          () => false,
        ),
      'recursive watch set',
    );

    p.cut();
    await c.waitForState('DISCONNECTED');
    // Curator's KillSession trick: a second client on the same session closes it.
    const killer = await ZooKeeperClient.connect(zk.connectString, {
      sessionId: c.sessionId,
      sessionPassword: c.sessionPassword,
      sessionTimeout: 10_000,
    });
    expect(killer.sessionId).toBe(c.sessionId);
    await killer.close();
    p.restore();
    await c.waitForState('EXPIRED');
    await loop;
    expect(states).toEqual(['DISCONNECTED', 'EXPIRED']);
    expect(w.events).toEqual([{ type: EventType.None, state: KeeperState.Expired, path: '' }]);
    expect(iterated).toEqual([KeeperState.Expired]);
    await expect(c.getData('/exp')).rejects.toBeInstanceOf(SessionExpiredError);
    expect(await observer.exists('/exp/eph')).toBeNull();
    await sleep(300);
    expect(c.state).toBe('EXPIRED'); // terminal: no further reconnects
  });

  it('expiry when the client stops heartbeating past the timeout (long GC pause)', async () => {
    const c = await pool.open(zk.connectString, { sessionTimeout: 2000 });
    expect(c.sessionTimeout).toBe(2000);
    await c.create('/gc', '', { mode: 'ephemeral' });
    const states = recordStates(c);
    c.pauseHeartbeat();
    await c.waitForState('EXPIRED');
    expect(states.at(-1)).toBe('EXPIRED');
    expect(await observer.exists('/gc')).toBeNull();
  });

  it('client-side expiry: cut off longer than the session timeout -> EXPIRED without hearing the server', async () => {
    const p = await proxy();
    const c = await pool.open(p.connectString, { sessionTimeout: 2000 });
    const states = recordStates(c);
    p.cut();
    const t0 = Date.now();
    await c.waitForState('DISCONNECTED');
    const queued = c.exists('/anything').catch((e: unknown) => e);
    await c.waitForState('EXPIRED');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    expect(states).toEqual(['DISCONNECTED', 'EXPIRED']);
    expect(await queued).toBeInstanceOf(SessionExpiredError);
    p.restore();
    await sleep(300);
    expect(c.state).toBe('EXPIRED');
  });

  it('an auth packet the server rejects -> AUTH_FAILED, terminal', async () => {
    const c = await pool.open(zk.connectString);
    const states = recordStates(c);
    await expect(c.addAuth('no-such-scheme', 'x')).rejects.toBeInstanceOf(AuthFailedError);
    expect(c.state).toBe('AUTH_FAILED');
    expect(states).toEqual(['AUTH_FAILED']);
    await expect(c.getData('/')).rejects.toBeInstanceOf(AuthFailedError);
  });

  it('close() ends the session at once: ephemerals gone, later calls rejected', async () => {
    const c = await pool.open(zk.connectString);
    await c.create('/closing', '', { mode: 'ephemeral' });
    const onEphemeral = recorder();
    const onRoot = recorder();
    await c.exists('/closing', onEphemeral.listener);
    await c.getData('/', onRoot.listener);
    await c.close();
    expect(c.state).toBe('CLOSED');
    expect(await observer.exists('/closing')).toBeNull();
    // The server deletes the ephemeral (and tells us) before it answers closeSession; the watches
    // still registered then get the Closed state event.
    expect(onEphemeral.events).toEqual([
      { type: EventType.NodeDeleted, state: KeeperState.SyncConnected, path: '/closing' },
    ]);
    expect(onRoot.events).toEqual([{ type: EventType.None, state: KeeperState.Closed, path: '' }]);
    await expect(c.getData('/')).rejects.toBeInstanceOf(SessionExpiredError);
    await c.close(); // idempotent
  });
});
