/**
 * Lock under faults: a holder paused past its session timeout (SIGSTOP) loses the lock to the next
 * waiter and its stale fencing token is refused; a connection drop right after the create leaves no
 * orphan node; timeouts and aborts clean up; re-entrancy and idempotent release.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { FaultInjectingClient } from '../../../libs/coordination/src/testing/fault-injecting-client.js';
import { Lock, RecipeTimeoutError } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, until } from '../client/helpers.js';
import { fencedWrite } from './lock-fenced-resource.js';
import { killAllWorkers, spawnWorker } from './lock-spawn-worker.js';

const TICK = 250; // min session timeout 500 ms, max 5 s
const HOLDER_SESSION_MS = 2000;

/** A view of `client` whose next create() drops the connection right after the request leaves. */
function dropAfterNextCreate(client: FaultInjectingClient): ZooKeeperClient {
  let armed = true;
  return new Proxy(client, {
    get(target, key) {
      if (key === 'create' && armed) {
        return (...a: Parameters<ZooKeeperClient['create']>) => {
          armed = false;
          const reply = target.create(...a);
          // The request is flushed at the end of this tick; cut the socket just after that, before
          // the reply can arrive.
          setImmediate(() => target.dropConnection());
          return reply;
        };
      }
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describeEachTarget('Lock faults', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();

  beforeAll(async () => {
    zk = await target.start({ tickTime: TICK });
  });
  afterAll(async () => {
    await killAllWorkers();
    await pool.closeAll();
    await zk?.stop();
  });

  it('holder SIGSTOPped past its session timeout: next waiter gets the lock, stale token is fenced off', async () => {
    const lockPath = '/recipes/faults/stop';
    const fencePath = '/recipes-fence';
    const holder = spawnWorker('./lock-holder-worker.ts', {
      connectString: zk.connectString,
      lockPath,
      fencePath,
      sessionTimeout: HOLDER_SESSION_MS,
    });
    const acquired = JSON.parse(await holder.waitLine((l) => l.includes('"acquired"'))) as {
      token: number;
      sessionTimeout: number;
    };
    expect(acquired.sessionTimeout).toBe(HOLDER_SESSION_MS);

    const b = await pool.open(zk.connectString, { sessionTimeout: 5000 });
    const next = new Lock(b, lockPath);
    let waiting = false;
    next.on('waiting', () => (waiting = true));
    const nextAcquire = next.acquire({ timeoutMs: 30_000 });
    await until(() => waiting, 'second contender queued behind the holder');

    process.kill(holder.pid, 'SIGSTOP');
    const stoppedAt = Date.now();
    const { fencingToken } = await nextAcquire;
    const waitedMs = Date.now() - stoppedAt;
    // It took the session expiry to hand over, nothing earlier.
    expect(waitedMs).toBeGreaterThanOrEqual(HOLDER_SESSION_MS - TICK * 2);
    expect(fencingToken).toBeGreaterThan(acquired.token);
    expect(await fencedWrite(b, fencePath, fencingToken, 'new-holder')).toBe(true);

    process.kill(holder.pid, 'SIGCONT');
    holder.child.stdin!.write('write\n');
    const write = JSON.parse(await holder.waitLine((l) => l.includes('"write"'))) as { ok: boolean };
    expect(write.ok).toBe(false);
    const lost = JSON.parse(await holder.waitLine((l) => l.includes('"lost"'), 20_000)) as { code: number };
    expect(lost.code).toBe(-112); // SESSIONEXPIRED
    const fence = JSON.parse((await b.getData(fencePath)).data.toString()) as {
      maxToken: number;
      writer: string;
    };
    expect(fence).toEqual({ maxToken: fencingToken, writer: 'new-holder' });

    expect(next.isHeld).toBe(true);
    await next.release();
    holder.child.stdin!.write('exit\n');
    expect(await holder.exited).toBe(0);
    expect(await b.getChildren(lockPath)).toEqual([]);
  });

  it('a connection drop right after sending the create leaves no orphan node', async () => {
    const lockPath = '/recipes/faults/drop';
    let recovered = 0;
    for (let trial = 0; trial < 5; trial++) {
      const client = await pool.open(zk.connectString, { sessionTimeout: 5000 });
      const lock = new Lock(dropAfterNextCreate(client), lockPath);
      lock.on('recovered', () => recovered++);
      const { path } = await lock.acquire({ timeoutMs: 15_000 });
      const children = await client.getChildren(lockPath);
      expect(children).toEqual([path.slice(lockPath.length + 1)]);
      expect((await client.exists(path))!.ephemeralOwner).toBe(client.sessionId);
      await lock.release();
      expect(await client.getChildren(lockPath)).toEqual([]);
      // And nothing blocks the next contender.
      const other = new Lock(await pool.open(zk.connectString), lockPath);
      await other.acquire({ timeoutMs: 2000 });
      await other.release();
    }
    console.log(`[${target.name}] creates adopted by uuid after the drop: ${recovered}/5`);
    // The server applied the create before the drop at least once, so the uuid lookup was exercised.
    expect(recovered).toBeGreaterThan(0);
  });

  // ZooKeeper orders a session's requests across reconnects: a read on the new connection waits for
  // writes sent on the old one (found missing in Registrar by this test, fixed in member.ts
  // afterSessionWrites + the connection's barrier entry).
  it("server keeps a session's order across a reconnect (create on the old connection is visible to the next read)", async () => {
    const client = await pool.open(zk.connectString, { sessionTimeout: 5000 });
    await client.create('/recipes-order-probe');
    let violations = 0;
    let lostReplies = 0;
    for (let i = 0; i < 20; i++) {
      const created = client.create('/recipes-order-probe/n-', undefined, {
        mode: 'persistent_sequential',
      });
      setImmediate(() => client.dropConnection());
      const path = await created.then(
        (r) => r.path,
        () => undefined,
      );
      if (path !== undefined) continue; // the reply beat the drop
      lostReplies++;
      const seen = await client.getChildren('/recipes-order-probe');
      const later =
        (await new Promise((r) => setTimeout(r, 150)), await client.getChildren('/recipes-order-probe'));
      if (later.length > seen.length) violations++;
    }
    console.log(`[${target.name}] lost create replies ${lostReplies}/20, order violations ${violations}`);
    expect(lostReplies).toBeGreaterThan(0);
    expect(violations).toBe(0);
  });

  it('timeout and abort delete the waiter node; the lock stays usable', async () => {
    const lockPath = '/recipes/faults/timeout';
    const a = await pool.open(zk.connectString);
    const b = await pool.open(zk.connectString);
    const holder = new Lock(a, lockPath);
    const held = await holder.acquire();

    const waiter = new Lock(b, lockPath);
    const t0 = Date.now();
    await expect(waiter.acquire({ timeoutMs: 300 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(await b.getChildren(lockPath)).toEqual([held.path.slice(lockPath.length + 1)]);

    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user gave up')), 200);
    await expect(waiter.acquire({ signal: ac.signal })).rejects.toThrow('user gave up');
    expect(await b.getChildren(lockPath)).toEqual([held.path.slice(lockPath.length + 1)]);
    expect(waiter.isHeld).toBe(false);

    const pending = waiter.acquire({ timeoutMs: 5000 });
    await holder.release();
    const got = await pending;
    expect(got.fencingToken).toBeGreaterThan(held.fencingToken);
    await waiter.release();
  });

  it('a waiter whose connection drops while the holder releases still wakes (watch survives the reconnect)', async () => {
    const lockPath = '/recipes/faults/waiter-blip';
    const holder = new Lock(await pool.open(zk.connectString), lockPath);
    await holder.acquire();
    const wc = await pool.open(zk.connectString, { sessionTimeout: 5000 });
    const waiter = new Lock(wc, lockPath);
    let waiting = false;
    waiter.on('waiting', () => (waiting = true));
    const pending = waiter.acquire({ timeoutMs: 10_000 });
    await until(() => waiting, 'waiter queued');
    wc.dropConnection();
    await holder.release(); // the deletion happens while the waiter is cut off
    const got = await pending;
    expect(waiter.isHeld).toBe(true);
    expect(got.path.startsWith(`${lockPath}/_c_`)).toBe(true);
    await waiter.release();
  });

  it("a holder's connection blip: 'suspended' then 'reconnected', still held with the same node", async () => {
    const lockPath = '/recipes/faults/holder-blip';
    const hc = await pool.open(zk.connectString, { sessionTimeout: 5000 });
    const lock = new Lock(hc, lockPath);
    const events: string[] = [];
    for (const e of ['suspended', 'reconnected', 'lost'] as const) lock.on(e, () => events.push(e));
    const got = await lock.acquire();
    hc.dropConnection();
    await until(() => events.includes('reconnected'), "'reconnected'");
    expect(events).toEqual(['suspended', 'reconnected']);
    expect(lock.isHeld).toBe(true);
    expect(await hc.exists(got.path)).not.toBeNull();
    await lock.release();
  });

  it("a holder whose node is deleted behind its back reports 'lost' at once", async () => {
    const lockPath = '/recipes/faults/holder-deleted';
    const hc = await pool.open(zk.connectString, { sessionTimeout: 5000 });
    const admin = await pool.open(zk.connectString);
    const lock = new Lock(hc, lockPath);
    const lost: string[] = [];
    lock.on('lost', (e) => lost.push(e.message));
    const got = await lock.acquire();
    await admin.setData(got.path, 'poke'); // a data change must not count as loss
    await admin.delete(got.path);
    await until(() => lost.length > 0, "'lost'");
    expect(lost).toHaveLength(1);
    expect(lost[0]).toContain('lock node deleted');
    expect(lock.isHeld).toBe(false);
    // Our own release afterwards is a no-op, and releasing normally never reports loss.
    await lock.release();
    const again = await lock.acquire();
    await lock.release();
    expect(await admin.exists(again.path)).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    expect(lost).toHaveLength(1);
  });

  it('re-entrant per Lock object; release is idempotent', async () => {
    const lockPath = '/recipes/faults/reentrant';
    const a = await pool.open(zk.connectString);
    const lock = new Lock(a, lockPath);
    const first = await lock.acquire();
    const second = await lock.acquire({ timeoutMs: 100 });
    expect(second).toEqual(first);
    expect(lock.holdCount).toBe(2);
    await lock.release();
    expect(lock.isHeld).toBe(true);
    expect(await a.exists(first.path)).not.toBeNull();
    await lock.release();
    expect(lock.isHeld).toBe(false);
    expect(await a.exists(first.path)).toBeNull();
    await lock.release(); // no-op
    // Another Lock object on the same session is another holder: it must wait.
    const again = await lock.acquire();
    const other = new Lock(a, lockPath);
    await expect(other.acquire({ timeoutMs: 200 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    await lock.release();
    expect(again.fencingToken).toBeGreaterThan(first.fencingToken);
  });

  it("emits 'lost' when the session expires while held", async () => {
    const lockPath = '/recipes/faults/expire';
    const a = await FaultInjectingClient.connect(zk.connectString, { sessionTimeout: 1000 });
    const lock = new Lock(a, lockPath);
    const lost: number[] = [];
    lock.on('lost', (e) => lost.push(e.code));
    await lock.acquire();
    a.pauseHeartbeat();
    await until(() => lost.length > 0, "'lost' after expiry", 15_000);
    expect(lost).toEqual([-112]);
    expect(lock.isHeld).toBe(false);
    await lock.release(); // idempotent after loss
    const b = await pool.open(zk.connectString);
    const next = new Lock(b, lockPath);
    await next.acquire({ timeoutMs: 2000 });
    await next.release();
    await a.close();
  });
});
