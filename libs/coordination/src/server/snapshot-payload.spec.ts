import { describe, expect, it } from 'vitest';
import { DataTree } from '../tree/data-tree.js';
import { decodeSnapshotPayload, encodeSnapshotPayload, SnapshotPayloadError } from './snapshot-payload.js';
import { ZkDatabase } from './zk-database.js';

describe('snapshot payload', () => {
  it('keeps chunk boundaries, so a database restored from it has the same digest and sessions', () => {
    const db = new ZkDatabase(new DataTree());
    const t = (zxid: number, body: Parameters<typeof db.apply>[0]['body'], sessionId = 0n) =>
      db.apply({ header: { sessionId, cxid: 0, zxid, time: 1000 + zxid }, body });
    t(1, { type: 'createSession', timeOut: 5000, passwd: Buffer.alloc(16, 1) }, 11n);
    t(2, {
      type: 'create',
      path: '/a',
      data: Buffer.from('x'),
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      ephemeralOwner: 0n,
      parentCVersion: 1,
    });
    t(3, {
      type: 'create',
      path: '/a/e',
      data: Buffer.alloc(0),
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      ephemeralOwner: 11n,
      parentCVersion: 1,
    });
    const chunks = [...db.snapshotChunks()];
    const back = decodeSnapshotPayload(encodeSnapshotPayload(chunks));
    expect(back.map((b) => b.toString('hex'))).toEqual(chunks.map((c) => c.toString('hex')));
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
});
