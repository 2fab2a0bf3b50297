/**
 * The host halves of a SNAP stream wired back to back: the leader's sender (bounded payloads, back
 * pressure, stops when no longer wanted) feeding the learner's intake (a real SnapshotStore on a
 * temporary directory), whose file must appear only when installed and never for an aborted stream.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SnapshotStore } from '../storage/snapshot-store.js';
import { DataTree } from '../tree/data-tree.js';
import type { SnapChunkMessage } from '../zab/messages.js';
import type { SnapshotSend } from '../zab/ready.js';
import { SnapshotIntake, SnapshotIntakeError } from './snapshot-intake.js';
import { snapshotFrom } from './snapshot-payload.js';
import { streamSnapshot } from './snapshot-sender.js';
import { ZkDatabase } from './zk-database.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function db(nodes: number): ZkDatabase {
  const d = new ZkDatabase(new DataTree());
  d.apply({
    header: { sessionId: 5n, cxid: 0, zxid: 1, time: 1 },
    body: { type: 'createSession', timeOut: 4000, passwd: Buffer.alloc(16, 2) },
  });
  for (let i = 0; i < nodes; i++) {
    d.apply({
      header: { sessionId: 0n, cxid: 0, zxid: 2 + i, time: 2 + i },
      body: {
        type: 'create',
        path: `/n${i}`,
        data: Buffer.alloc(100, i & 0xff),
        acl: OPEN,
        ephemeralOwner: 0n,
        parentCVersion: 1 + i,
      },
    });
  }
  return d;
}

async function store(): Promise<SnapshotStore> {
  const dir = mkdtempSync(join(tmpdir(), 'snap-stream-'));
  dirs.push(dir);
  return SnapshotStore.open(dir, { fsync: false });
}

const send = (d: ZkDatabase): SnapshotSend => ({
  to: 2,
  syncId: 77,
  epoch: 3,
  snapshot: snapshotFrom(d.lastZxid, d.snapshotChunks()),
});

const immediately = () => Promise.resolve();

describe('SNAP stream between hosts', () => {
  it('a streamed tree is written while it arrives, published only on install, and restores to the same digest', async () => {
    const leaderDb = db(3000);
    const st = await store();
    const intake = new SnapshotIntake((z, r) => st.write(z, r));
    const sent: SnapChunkMessage[] = [];
    const done = await streamSnapshot(
      send(leaderDb),
      {
        send: (m) => {
          sent.push(m);
          intake.apply({ kind: 'chunk', zxid: m.zxid, seq: m.seq, data: m.data });
        },
        backlog: () => 0,
        wanted: () => true,
      },
      { payloadBytes: 32 * 1024, yieldTurn: immediately, now: Date.now },
    );
    expect(done).toBe('sent');
    expect(sent.length).toBeGreaterThan(5);
    for (const m of sent) expect(m.data.length).toBeLessThanOrEqual(32 * 1024);
    expect(sent.map((m) => m.seq)).toEqual(sent.map((_, i) => i));
    expect(sent.at(-1)!.last).toBe(true);
    // everything arrived, nothing is visible yet: only NEWLEADER's install publishes it
    expect(await st.list()).toEqual([]);
    const got = intake.take(leaderDb.lastZxid);
    const restored = ZkDatabase.restore(got.records());
    await got.publish();
    expect(restored.tree.digest()).toBe(leaderDb.tree.digest());
    const onDisk = await st.latestValid();
    expect(onDisk?.zxid).toBe(leaderDb.lastZxid);
    const chunks: Buffer[] = [];
    for await (const c of onDisk!.chunks()) chunks.push(c);
    expect(ZkDatabase.restore(chunks).tree.digest()).toBe(leaderDb.tree.digest());
    expect([...ZkDatabase.restore(chunks).sessions.keys()]).toEqual([5n]);
  });

  it('an aborted stream leaves no file behind, and a later complete one installs', async () => {
    const leaderDb = db(500);
    const st = await store();
    const intake = new SnapshotIntake((z, r) => st.write(z, r));
    let n = 0;
    await streamSnapshot(
      send(leaderDb),
      {
        send: (m) => {
          if (n++ < 3) intake.apply({ kind: 'chunk', zxid: m.zxid, seq: m.seq, data: m.data });
        },
        backlog: () => 0,
        wanted: () => n < 3,
      },
      { payloadBytes: 4096, yieldTurn: immediately, now: Date.now },
    );
    intake.apply({ kind: 'abort' });
    await intake.idle();
    expect(readdirSync(st.dir)).toEqual([]);
    expect(() => intake.take(leaderDb.lastZxid)).toThrow(SnapshotIntakeError);

    await streamSnapshot(
      send(leaderDb),
      {
        send: (m) => intake.apply({ kind: 'chunk', zxid: m.zxid, seq: m.seq, data: m.data }),
        backlog: () => 0,
        wanted: () => true,
      },
      { payloadBytes: 4096, yieldTurn: immediately, now: Date.now },
    );
    const got = intake.take(leaderDb.lastZxid);
    await got.publish();
    expect(readdirSync(st.dir)).toEqual([`snapshot.${leaderDb.lastZxid.toString(16)}`]);
  });

  it('the sender stops when the stream is no longer wanted, and waits while the link is backed up', async () => {
    const leaderDb = db(2000);
    let backlog = 0;
    let waits = 0;
    const sent: SnapChunkMessage[] = [];
    let wanted = true;
    const done = await streamSnapshot(
      send(leaderDb),
      {
        send: (m) => {
          sent.push(m);
          backlog += m.data.length;
          if (sent.length === 5) wanted = false;
        },
        backlog: () => backlog,
        wanted: () => wanted,
      },
      {
        payloadBytes: 8192,
        highWaterBytes: 2 * 8192,
        yieldTurn: immediately,
        now: Date.now,
        // the socket takes one payload per wait
        waitForRoom: async () => {
          waits++;
          backlog = Math.max(0, backlog - 8192);
        },
      },
    );
    expect(done).toBe('unwanted');
    expect(sent).toHaveLength(5);
    expect(waits).toBeGreaterThan(0);
    expect(backlog).toBeLessThanOrEqual(3 * 8192);
  });

  it('the sender gives up on a learner that takes nothing (the link stays above high water)', async () => {
    const leaderDb = db(2000);
    let clock = 0;
    const sent: SnapChunkMessage[] = [];
    const outcome = await streamSnapshot(
      send(leaderDb),
      { send: (m) => sent.push(m), backlog: () => 10 * 8192, wanted: () => true },
      {
        payloadBytes: 8192,
        highWaterBytes: 2 * 8192,
        yieldTurn: immediately,
        stallMs: 1000,
        now: () => clock,
        waitForRoom: async () => {
          clock += 100;
        },
      },
    );
    expect(outcome).toBe('stalled');
    expect(sent).toHaveLength(1);
    expect(clock).toBeGreaterThan(1000);
  });
  it('with a link that reports room, the sender waits on it (no polling) and finishes the stream', async () => {
    const leaderDb = db(2000);
    let backlog = 0;
    let waiters: { bytes: number; resolve: () => void }[] = [];
    let polls = 0;
    const sent: SnapChunkMessage[] = [];
    const streaming = streamSnapshot(
      send(leaderDb),
      {
        send: (m) => {
          sent.push(m);
          backlog += m.data.length;
        },
        backlog: () => backlog,
        wanted: () => true,
        whenBacklogAtMost: (bytes) => new Promise((resolve) => waiters.push({ bytes, resolve })),
      },
      {
        payloadBytes: 8192,
        highWaterBytes: 2 * 8192,
        yieldTurn: immediately,
        now: Date.now,
        waitForRoom: async () => {
          polls++;
        },
      },
    );
    // The "socket" drains everything whenever the sender is waiting, until the stream ends.
    let done = false;
    void streaming.then(() => (done = true));
    for (let i = 0; i < 1000 && !done; i++) {
      await new Promise((r) => setImmediate(r));
      if (waiters.length) {
        backlog = 0;
        const w = waiters;
        waiters = [];
        for (const x of w) x.resolve();
      }
    }
    expect(await streaming).toBe('sent');
    expect(polls).toBe(0);
    expect(sent.at(-1)!.last).toBe(true);
    expect(sent.length).toBeGreaterThan(3);
  });

  it('a link that never reports room: the sender gives up after the stall bound, real timers', async () => {
    const started = Date.now();
    const outcome = await streamSnapshot(
      send(db(2000)),
      {
        send: () => undefined,
        backlog: () => 10 * 8192,
        wanted: () => true,
        whenBacklogAtMost: () => new Promise<void>(() => undefined),
      },
      { payloadBytes: 8192, highWaterBytes: 2 * 8192, stallMs: 150, now: Date.now },
    );
    expect(outcome).toBe('stalled');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
