/**
 * The planted follower-read-ahead bug in the commit pipeline (chaos suite only): what a follower's
 * clients read must run ahead of the commit for data txns, and must not for session txns, or the
 * plant shows up as a harness error (a session the leader does not know yet) instead of the stale
 * or invented read it exists for. Also: the real commit after a read-ahead applies nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { SessionTracker } from '../session/session-tracker.js';
import { DataTree } from '../tree/data-tree.js';
import { RequestPreparer } from '../tree/request-preparer.js';
import { encodeTxn } from '../tree/txn-codec.js';
import type { Txn, TxnBody } from '../tree/txn.js';
import type { ZabEntry } from '../zab/messages.js';
import { CommitPipeline } from './commit-pipeline.js';
import type { SessionConnection } from './session-connection.js';
import { ZkDatabase } from './zk-database.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

function pipeline() {
  const db = new ZkDatabase<SessionConnection>(new DataTree<SessionConnection>());
  let applied = 0;
  const p = new CommitPipeline({
    db,
    preparer: new RequestPreparer(db.tree),
    tracker: new SessionTracker(200),
    clock: { now: () => 1 },
    sessionClosed: () => {},
    applied: () => applied++,
  });
  return { db, p, applied: () => applied };
}

const entry = (zxid: number, sessionId: bigint, body: TxnBody): ZabEntry => {
  const txn: Txn = { header: { sessionId, cxid: zxid, zxid, time: zxid }, body };
  return { zxid, data: encodeTxn(txn) };
};
const create = (zxid: number, path: string, data: string) =>
  entry(zxid, 7n, {
    type: 'create',
    path,
    data: Buffer.from(data),
    acl: OPEN,
    ephemeralOwner: 0n,
    parentCVersion: zxid,
  });
const createSession = (zxid: number, id: bigint) =>
  entry(zxid, id, { type: 'createSession', timeOut: 4000, passwd: Buffer.alloc(16, 1) });

describe('CommitPipeline.readAhead (planted follower-read-ahead)', () => {
  it('applies a data txn when its proposal arrives, and its commit later applies nothing again', () => {
    const { db, p, applied } = pipeline();
    let answered = 0;
    p.expect(7n, 1, () => answered++, true);
    const e = create(1, '/a', 'x');
    p.readAhead(e);
    expect(db.tree.getData('/a')?.data?.toString()).toBe('x'); // served before any commit
    expect(answered).toBe(1); // the follower's own client is told it succeeded
    p.committed(e);
    expect(applied()).toBe(1);
    expect(answered).toBe(1);
  });

  it('a session txn, and every proposal behind it, waits for the commit (the leader decides sessions)', () => {
    const { db, p, applied } = pipeline();
    const s = createSession(1, 42n);
    const d = create(2, '/b', 'y');
    p.readAhead(s);
    p.readAhead(d);
    expect(db.sessions.has(42n)).toBe(false);
    expect(db.tree.has('/b')).toBe(false); // zxid order is kept
    p.committed(s);
    expect(db.sessions.has(42n)).toBe(true);
    expect(db.tree.getData('/b')?.data?.toString()).toBe('y'); // read ahead once its predecessor applied
    p.committed(d);
    expect(applied()).toBe(2);
    expect(db.lastZxid).toBe(2);
  });

  it('after dropReadAhead (TRUNC/SNAP) nothing queued is applied', () => {
    const { db, p } = pipeline();
    p.readAhead(createSession(1, 42n));
    p.readAhead(create(2, '/c', 'z'));
    p.dropReadAhead();
    p.committed(createSession(1, 42n));
    expect(db.tree.has('/c')).toBe(false);
    expect(db.lastZxid).toBe(1);
  });
});
