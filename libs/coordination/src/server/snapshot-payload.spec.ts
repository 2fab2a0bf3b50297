import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataTree } from '../tree/data-tree.js';
import {
  decodeSnapshotPayload,
  encodeSnapshotPayload,
  packSnapshotPayloads,
  payloadRecords,
  snapshotFrom,
  SnapshotPayloadError,
} from './snapshot-payload.js';
import { ZkDatabase } from './zk-database.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

function sampleDb(nodes: number): ZkDatabase {
  const db = new ZkDatabase(new DataTree());
  const t = (zxid: number, body: Parameters<typeof db.apply>[0]['body'], sessionId = 0n) =>
    db.apply({ header: { sessionId, cxid: 0, zxid, time: 1000 + zxid }, body });
  t(1, { type: 'createSession', timeOut: 5000, passwd: Buffer.alloc(16, 1) }, 11n);
  t(2, {
    type: 'create',
    path: '/a',
    data: Buffer.from('x'),
    acl: OPEN,
    ephemeralOwner: 0n,
    parentCVersion: 1,
  });
  t(3, {
    type: 'create',
    path: '/a/e',
    data: Buffer.alloc(0),
    acl: OPEN,
    ephemeralOwner: 11n,
    parentCVersion: 1,
  });
  for (let i = 0; i < nodes; i++) {
    const data = Buffer.alloc(100, i & 0xff);
    t(4 + i, {
      type: 'create',
      path: `/a/n${i}`,
      data,
      acl: OPEN,
      ephemeralOwner: 0n,
      parentCVersion: 2 + i,
    });
  }
  return db;
}

describe('snapshot payloads', () => {
  it('keeps record boundaries, so a database restored from them has the same digest and sessions', () => {
    const db = sampleDb(0);
    const records = [...db.snapshotChunks()];
    const back = decodeSnapshotPayload(encodeSnapshotPayload(records));
    expect(back.map((b) => b.toString('hex'))).toEqual(records.map((c) => c.toString('hex')));
    const restored = ZkDatabase.restore(back);
    expect(restored.tree.digest()).toBe(db.tree.digest());
    expect(restored.lastZxid).toBe(3);
    expect([...restored.sessions.keys()]).toEqual([11n]);
    expect(restored.tree.ephemerals(11n, '/')).toEqual(['/a/e']);
  });

  it('refuses a truncated payload', () => {
    const p = encodeSnapshotPayload([Buffer.from('hello'), Buffer.from('world')]);
    expect(() => decodeSnapshotPayload(p.subarray(0, p.length - 1))).toThrow(SnapshotPayloadError);
    expect(() => decodeSnapshotPayload(p.subarray(0, 2))).toThrow(SnapshotPayloadError);
  });

  it('packs a tree into bounded payloads that restore to the same digest', () => {
    const db = sampleDb(2000);
    const payloads = [...packSnapshotPayloads(db.snapshotChunks(), 16 * 1024)];
    expect(payloads.length).toBeGreaterThan(10);
    for (const p of payloads) expect(p.data.length).toBeLessThanOrEqual(16 * 1024);
    expect(payloads.map((p) => p.last)).toEqual(payloads.map((_, i) => i === payloads.length - 1));
    const restored = ZkDatabase.restore(payloadRecords(payloads.map((p) => p.data)));
    expect(restored.tree.digest()).toBe(db.tree.digest());
    expect(restored.lastZxid).toBe(db.lastZxid);
  });

  it('packs any records into payloads within the bound (a record larger than it travels alone), in order (property)', () => {
    const record = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), fc.integer({ min: 5, max: 400 }), (records, max) => {
        const payloads = [...packSnapshotPayloads(records, max)];
        expect(payloads.length).toBeGreaterThan(0);
        expect(payloads.filter((p) => p.last)).toHaveLength(1);
        expect(payloads.at(-1)!.last).toBe(true);
        for (const p of payloads) {
          const inside = decodeSnapshotPayload(p.data);
          if (inside.length > 1) expect(p.data.length).toBeLessThanOrEqual(max);
        }
        const back = [...payloadRecords(payloads.map((p) => p.data))];
        expect(back.map((b) => b.toString('hex'))).toEqual(records.map((b) => b.toString('hex')));
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  it('an empty record sequence still yields one (empty) last payload', () => {
    expect([...packSnapshotPayloads([], 64)]).toEqual([{ data: Buffer.alloc(0), last: true }]);
  });

  it('pulls records only as payloads are asked for (serialization follows the stream)', () => {
    let pulled = 0;
    function* counted(): Generator<Buffer> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield Buffer.alloc(96);
      }
    }
    const it = packSnapshotPayloads(counted(), 1000);
    it.next();
    // one payload handed out, one read ahead (to know it was not the last), plus the record that overflowed
    expect(pulled).toBeLessThanOrEqual(21);
    expect(pulled).toBeGreaterThan(0);
  });

  it('snapshotFrom pins the header at the zxid of the moment it is called, even if txns apply before the stream runs', () => {
    const db = sampleDb(5);
    const at = db.lastZxid;
    const snap = snapshotFrom(at, db.snapshotChunks());
    // a txn applied after the snapshot was taken but before its records are read
    db.apply({
      header: { sessionId: 0n, cxid: 0, zxid: at + 1, time: 9999 },
      body: {
        type: 'create',
        path: '/late',
        data: Buffer.alloc(0),
        acl: OPEN,
        ephemeralOwner: 0n,
        parentCVersion: 2,
      },
    });
    const restored = ZkDatabase.restore(snap.records);
    expect(snap.zxid).toBe(at);
    // the header says `at`: replaying txns after it (here /late) repairs whatever the fuzzy records missed
    expect(restored.lastZxid).toBe(at);
  });
});
