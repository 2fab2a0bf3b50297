/**
 * The two small additions the member's host needs from ZabPeer: `nextProposalZxid()` (the leader's
 * preparer builds a txn naming its own zxid before proposing it) and the quick exit from a stale
 * election result (a learner trying to join a member that follows someone else).
 */
import { describe, expect, it } from 'vitest';
import { MemoryZabLog, emptyDurableState } from '../testing/memory-zab-log.js';
import { SeededRng } from '../testing/seeded-rng.js';
import { SimCluster } from '../testing/sim-cluster.js';
import { PeerState, type VoteMessage, type ZabMessage } from './messages.js';
import { ZabPeer } from './zab-peer.js';
import { makeZxid } from './zxid.js';

function bareVoter(id: number, voters: number[]): ZabPeer {
  const d = emptyDurableState();
  return new ZabPeer(
    { id, voters, observers: [], initLimitTicks: 100, syncLimitTicks: 50 },
    d,
    new MemoryZabLog(d, () => []),
    new SeededRng(id),
  );
}

const claim = (state: PeerState, leader: number): VoteMessage => ({
  type: 'vote',
  state,
  round: 1,
  vote: { leader, zxid: 0, peerEpoch: 0 },
});

describe('ZabPeer.nextProposalZxid', () => {
  it('is undefined unless leading an established epoch, then names exactly what propose assigns', () => {
    const sim = new SimCluster({ seed: 3, voters: 3 });
    expect(sim.member(1).peer!.nextProposalZxid()).toBeUndefined();
    sim.runFor(20_000, () => sim.leader() !== undefined && sim.leader()!.peer!.status.serving);
    const leader = sim.leader()!;
    const peer = leader.peer!;
    const follower = [...sim.members.values()].find((m) => m !== leader)!;
    expect(follower.peer!.nextProposalZxid()).toBeUndefined();
    const next = peer.nextProposalZxid()!;
    expect(next).toBe(makeZxid(peer.epoch, 1));
    expect(peer.propose(Buffer.from('a'))).toBe(next);
    expect(peer.nextProposalZxid()).toBe(next + 1);
    // asking twice does not consume a zxid
    expect(peer.nextProposalZxid()).toBe(next + 1);
    expect(peer.propose(Buffer.from('b'))).toBe(next + 1);
  });
});

describe('stale election results', () => {
  it('a learner whose chosen leader turns out to follow another member goes back to LOOKING', () => {
    const p = bareVoter(1, [1, 2, 3]);
    p.ready();
    // 1 and 2 vote for 2: a quorum, so 1 decides to follow 2 ...
    p.step(2, {
      type: 'vote',
      state: PeerState.LOOKING,
      round: 1,
      vote: { leader: 2, zxid: 0, peerEpoch: 0 },
    });
    expect(p.state).toBe(PeerState.FOLLOWING);
    const out = p.ready().messages;
    expect(out.some((m) => m.to === 2 && m.msg.type === 'followerinfo')).toBe(true);
    // ... but 2 had moved on and follows 3: it says so in answer to our FOLLOWERINFO.
    p.step(2, claim(PeerState.FOLLOWING, 3));
    expect(p.state).toBe(PeerState.LOOKING);
    const votes = p.ready().messages.filter((m) => m.msg.type === 'vote');
    expect(votes.length).toBeGreaterThan(0);
  });

  it('a claim from a still-LOOKING or LEADING chosen leader does not abort joining it', () => {
    const p = bareVoter(1, [1, 2, 3]);
    p.ready();
    p.step(2, {
      type: 'vote',
      state: PeerState.LOOKING,
      round: 1,
      vote: { leader: 2, zxid: 0, peerEpoch: 0 },
    });
    p.ready();
    p.step(2, claim(PeerState.LEADING, 2));
    expect(p.state).toBe(PeerState.FOLLOWING);
  });

  it('a member that is not leading answers a FOLLOWERINFO with where it stands', () => {
    const p = bareVoter(2, [1, 2, 3]);
    p.ready();
    // 2 follows 3 (claims from 1 following 3 and 3 leading)
    p.step(1, claim(PeerState.FOLLOWING, 3));
    p.step(3, claim(PeerState.LEADING, 3));
    expect(p.state).toBe(PeerState.FOLLOWING);
    p.ready();
    const info: ZabMessage = { type: 'followerinfo', syncId: 9, acceptedEpoch: 0, observer: false };
    p.step(1, info);
    const reply = p.ready().messages.find((m) => m.to === 1);
    expect(reply?.msg).toMatchObject({ type: 'vote', state: PeerState.FOLLOWING, vote: { leader: 3 } });
  });
});

describe('ZabPeer.linkLost', () => {
  it('a follower whose leader link broke looks for a new leader at once; other links do not matter', () => {
    const sim = new SimCluster({ seed: 5, voters: 3 });
    sim.runFor(20_000, () => [...sim.members.values()].every((m) => m.peer?.status.serving));
    const leader = sim.leader()!;
    const followers = [...sim.members.values()].filter((m) => m !== leader);
    const [a, b] = followers as [(typeof followers)[number], (typeof followers)[number]];
    a.peer!.linkLost(b.id);
    expect(a.peer!.state).toBe(PeerState.FOLLOWING);
    leader.peer!.linkLost(a.id);
    expect(leader.peer!.state).toBe(PeerState.LEADING);
    a.peer!.linkLost(leader.id);
    expect(a.peer!.state).toBe(PeerState.LOOKING);
  });
});
