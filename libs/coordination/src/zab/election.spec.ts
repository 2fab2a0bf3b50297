import { describe, expect, it } from 'vitest';
import { Election, voteBeats } from './election.js';
import { PeerState, type Vote, type VoteMessage } from './messages.js';

const vote = (leader: number, zxid: number, peerEpoch: number): Vote => ({ leader, zxid, peerEpoch });
const looking = (round: number, v: Vote): VoteMessage => ({
  type: 'vote',
  state: PeerState.LOOKING,
  round,
  vote: v,
});
const voters = new Set([1, 2, 3]);

describe('Fast Leader Election', () => {
  it('orders votes by epoch, then zxid, then server id', () => {
    expect(voteBeats(vote(1, 5, 3), vote(9, 99, 2))).toBe(true);
    expect(voteBeats(vote(1, 6, 3), vote(9, 5, 3))).toBe(true);
    expect(voteBeats(vote(2, 6, 3), vote(1, 6, 3))).toBe(true);
    expect(voteBeats(vote(1, 6, 3), vote(1, 6, 3))).toBe(false);
  });

  it('adopts a better vote, re-broadcasts it and decides once a quorum agrees', () => {
    const e = new Election(1, voters, 1, vote(1, 10, 1));
    const out = e.receive(3, looking(1, vote(3, 12, 1)));
    expect(out.broadcast).toBe(true);
    // member 3 and I now both vote for 3: a majority of {1,2,3}
    expect(out.decided).toEqual(vote(3, 12, 1));
  });

  it('keeps its own better vote and does not decide on a minority', () => {
    const e = new Election(3, voters, 1, vote(3, 12, 1));
    const out = e.receive(1, looking(1, vote(1, 10, 1)));
    expect(out.broadcast).toBe(false);
    expect(out.decided).toBeUndefined();
    expect(e.vote).toEqual(vote(3, 12, 1));
  });

  it('moves to a newer round, forgetting votes of the old one', () => {
    const e2 = new Election(1, voters, 1, vote(1, 10, 1));
    const out = e2.receive(2, looking(4, vote(2, 5, 1)));
    expect(e2.round).toBe(4);
    expect(out.broadcast).toBe(true);
    expect(e2.vote).toEqual(vote(1, 10, 1)); // 2's vote is worse than mine
    expect(out.decided).toBeUndefined(); // 2 voted for itself, I vote for me
  });

  it('answers a member of an older round instead of counting its vote', () => {
    const e = new Election(1, voters, 5, vote(1, 10, 1));
    const out = e.receive(2, looking(3, vote(2, 99, 9)));
    expect(out.replyToSender).toBe(true);
    expect(e.vote).toEqual(vote(1, 10, 1));
  });

  it("joins an existing ensemble on a quorum of claims including the leader's own", () => {
    const e = new Election(3, voters, 9, vote(3, 1, 1));
    const claim = (state: PeerState, leader: number): VoteMessage => ({
      type: 'vote',
      state,
      round: 2,
      vote: vote(leader, 50, 4),
    });
    expect(e.receive(2, claim(PeerState.FOLLOWING, 1)).decided).toBeUndefined();
    const out = e.receive(1, claim(PeerState.LEADING, 1));
    expect(out.decided?.leader).toBe(1);
  });

  it("ignores observers' votes and votes for observers", () => {
    const e = new Election(1, voters, 1, vote(1, 10, 1));
    expect(e.receive(4, looking(1, vote(4, 99, 9))).broadcast).toBe(false);
    expect(e.receive(2, looking(1, vote(4, 99, 9))).broadcast).toBe(false);
    expect(e.vote).toEqual(vote(1, 10, 1));
  });
});
