/**
 * SESSIONMOVED, frame by frame, against a 3-member ensemble of each server. A client opens a
 * session on member A, then resumes the same session id + password on member B (it "moved"),
 * while its old connection to A is still open. A write on that old connection reaches the leader
 * with A as the session's claimed owner; the leader knows B owns the session now
 * (SessionTrackerImpl.checkSession -> SessionMovedException) and fails the write through an error
 * txn. FinalRequestProcessor treats SessionMovedException as a connection-level error: no reply,
 * the old connection is closed (ZOOKEEPER-710). The session itself lives on at B.
 *
 * Every role pair is covered: follower -> follower, leader -> follower, follower -> leader. The
 * leader checks the owner of reads too (PrepRequestProcessor verifies the session of every request
 * it sees), so a read on an old connection to the leader ends it the same way; a follower answers
 * reads locally.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Request } from '../../libs/coordination/src/protocol/records.js';
import type { Ensemble } from '../support/ensemble.js';
import { RawSession } from '../support/raw-session.js';
import { describeEachTarget } from '../support/targets.js';
import { FAST, modes, waitForLeader } from './cluster-support.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const create = (path: string): Request => ({
  op: 'create',
  path,
  data: Buffer.alloc(0),
  acl: OPEN,
  flags: 0,
});
const exists = (path: string): Request => ({ op: 'exists', path, watch: false });

describeEachTarget(
  'SESSIONMOVED on a 3-member ensemble',
  (target) => {
    let zk: Ensemble;
    let leader: number;
    let followers: number[];
    beforeAll(async () => {
      zk = await target.start({ members: 3, ...FAST });
      await waitForLeader(zk);
      const m = await modes(zk);
      leader = m.indexOf('leader');
      followers = m.flatMap((mode, i) => (mode === 'follower' ? [i] : []));
      expect(followers).toHaveLength(2);
    });
    afterAll(async () => {
      await zk?.stop();
    });

    type Probe = 'write' | 'read';
    const cases: [string, () => [number, number], Probe][] = [
      ['follower -> follower', () => [followers[0]!, followers[1]!], 'write'],
      ['follower -> leader', () => [followers[1]!, leader], 'write'],
      ['leader -> follower', () => [leader, followers[0]!], 'write'],
      ['leader -> follower', () => [leader, followers[1]!], 'read'],
    ];

    for (const [name, pick, probe] of cases) {
      const at = name.startsWith('leader') ? 'the leader' : 'a follower';
      it(`${name}: a ${probe} on the old connection to ${at} is not answered and that connection is closed`, async () => {
        const [a, b] = pick();
        const tag = `${name.replace(/\W+/g, '-')}-${probe}`;
        const old = await RawSession.session(zk.members[a]!.clientPort, 6000);
        expect((await old.raw.call(create(`/moved${tag}-before`)))?.err).toBe(0);

        const moved = await RawSession.handshake(zk.members[b]!.clientPort, {
          sessionId: old.response.sessionId,
          passwd: old.response.passwd,
          timeOut: 6000,
          lastZxidSeen: 0,
        });
        try {
          expect(moved.response?.sessionId).toBe(old.response.sessionId);
          expect(moved.response?.timeOut).toBeGreaterThan(0);
          expect((await moved.raw.call(create(`/moved${tag}-at-b`)))?.err).toBe(0);
          expect(old.raw.closed).toBe(false);

          if (a !== leader) {
            // A follower serves reads locally, without asking who owns the session.
            expect((await old.raw.call(exists(`/moved${tag}-before`)))?.err).toBe(0);
          }
          // The leader checks the owner of every request it sees (a follower's writes included):
          // SessionMovedException, which FinalRequestProcessor turns into closing the connection
          // without a reply.
          old.raw.request(probe === 'write' ? create(`/moved${tag}-stale`) : exists(`/moved${tag}-before`));
          const replies = await old.raw.collect(3000);
          expect(replies.filter((r) => r.xid !== -1 && r.xid !== -2)).toEqual([]);
          expect(old.raw.closed).toBe(true);

          // The stale write took effect nowhere; the session is still good at B.
          expect((await moved.raw.call(exists(`/moved${tag}-stale`)))?.err).toBe(-101); // NONODE
          expect((await moved.raw.call(create(`/moved${tag}-after`)))?.err).toBe(0);
        } finally {
          old.raw.close();
          moved.raw.close();
        }
      });
    }
  },
  { needs: ['ensemble'] },
);
