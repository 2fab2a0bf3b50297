/**
 * The pending-change record of a closeSession (and of a reap) must be keyed by the zxid its txn
 * really gets (the ZAB leader assigns it; the preparer never guesses). A member opens a new epoch
 * on every start, so its first zxid is
 * `epoch << 32 | 1`; a preparer that guessed "last zxid it saw + 1" keyed the close's pending
 * deletions too low and dropped them when an EARLIER txn applied. A create ordered after the
 * close then failed with NODEEXISTS although the close deletes the node first (ZooKeeper's
 * PrepRequestProcessor sees the outstanding deletion and lets the create through).
 *
 * Runs a real Member in this process on a temporary data dir; no sockets are opened.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/constants.js';
import type { Id } from '../protocol/records.js';
import type { TxnResult } from '../tree/data-tree.js';
import { encodeRequest } from '../protocol/request-codec.js';
import { Member, type SessionConnection } from './member.js';
import { parseMemberConfig } from './member-config.js';

class FakeConnection implements SessionConnection {
  readonly authIds: Id[] = [];
  constructor(readonly sessionId: bigint) {}
  deliver(): void {}
  sessionEnded(): void {}
}

/** Submits a create of the ephemeral /e on `conn`'s session; resolves with its applied result. */
function createEphemeral(member: Member, conn: FakeConnection, cxid: number): Promise<TxnResult> {
  const request = { op: 'create', path: '/e', data: Buffer.alloc(0), acl: OPEN_ACL, flags: 1 } as const;
  return new Promise((res) =>
    member.router.clientWrite(conn, cxid, request, encodeRequest(cxid, request).subarray(4), res),
  );
}

const dirs: string[] = [];
const members: Member[] = [];
afterEach(async () => {
  for (const m of members.splice(0)) await m.stop();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function startMember(dataDir: string): Promise<Member> {
  const config = parseMemberConfig(
    [`tickTime=2000`, `dataDir=${dataDir}`, `clientPort=0`, `maxSessionTimeout=600000`, `forceSync=no`].join(
      '\n',
    ),
  );
  const member = new Member(config, {
    onFatal: (err) => {
      throw err;
    },
  });
  await member.start();
  members.push(member);
  return member;
}

function newSession(member: Member): Promise<bigint> {
  return new Promise((res) => member.sessions.create(600_000, (id) => res(id)));
}

const errorOf = (r: TxnResult): number | undefined => (r.type === 'error' ? r.err : undefined);

describe('Member (standalone): zxids of closeSession', () => {
  it('a create ordered after a closeSession sees the close delete the ephemeral, after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'member-close-zxid-'));
    dirs.push(dataDir);

    // Before the restart: session S1 owns the ephemeral /e.
    const first = await startMember(dataDir);
    const s1 = await newSession(first);
    const c1 = new FakeConnection(s1);
    const made = await createEphemeral(first, c1, 1);
    expect(errorOf(made)).toBeUndefined();
    await first.stop();
    members.splice(members.indexOf(first), 1);

    // After the restart a new epoch is open; S1 and /e are recovered from the log.
    const member = await startMember(dataDir);
    expect(member.db.tree.ephemerals(s1, '/')).toEqual(['/e']);

    // Three txns in flight at once, in this order: createSession S2, closeSession S1 (deletes /e),
    // and, submitted the moment S2's createSession applies (so the close is still pending), S2's
    // create of /e. ZooKeeper orders the create after the close, so it succeeds.
    const created = new Promise<TxnResult>((res) => {
      member.sessions.create(
        600_000,
        (s2) => void createEphemeral(member, new FakeConnection(s2), 1).then(res),
      );
    });
    await new Promise<TxnResult>((res) => member.sessions.close(c1.sessionId, 2, res));

    const result = await created;
    // The bug answered NODEEXISTS here: the close's pending deletion of /e was forgotten when
    // createSession S2 (an earlier zxid) applied.
    expect(errorOf(result)).not.toBe(ErrorCode.NODEEXISTS);
    expect(result.type).toBe('create');
    expect(member.db.tree.ephemerals(s1, '/')).toEqual([]);
    expect(member.db.tree.internalRecord('/e')?.ephemeralOwner).not.toBe(s1);
  });
});

const OPEN_ACL = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
