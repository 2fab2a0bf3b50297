/**
 * Phase 0 of Zab as ZooKeeper implements it: Fast Leader Election (the Zab paper's "leader
 * election" step, realised by FastLeaderElection.java; reference §3.2).
 *
 * Votes are totally ordered by (peerEpoch, zxid, server id), so the member elected by a quorum has
 * the most up-to-date history among that quorum. Rounds (the logical clock) let a member that fell
 * behind adopt the newer round. Members already FOLLOWING/LEADING answer a LOOKING member with
 * their vote; a quorum of such answers naming the same leader (and the leader's own LEADING claim)
 * lets the newcomer join without a new election. Election decides only whom to try: safety comes
 * from discovery (epoch agreement), never from the vote itself.
 */
import { PeerState, type Vote, type VoteMessage } from './messages.js';
import { isQuorum } from './quorum.js';

/** True iff `a` beats `b` in FLE's total order (`totalOrderPredicate`). */
export function voteBeats(a: Vote, b: Vote): boolean {
  if (a.peerEpoch !== b.peerEpoch) return a.peerEpoch > b.peerEpoch;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid;
  return a.leader > b.leader;
}

export function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch;
}

/** What handling one notification asks the peer to do. */
export interface ElectionOutcome {
  /** broadcast my (possibly changed) vote to every voter */
  broadcast: boolean;
  /** reply with my vote to the sender only */
  replyToSender: boolean;
  /** the election is over: follow/lead this vote's leader */
  decided: Vote | undefined;
}

interface OutOfElection {
  vote: Vote;
  state: PeerState;
  round: number;
}

/** One member's LOOKING state. A new instance per LOOKING period keeps stale votes out. */
export class Election {
  vote: Vote;
  private readonly received = new Map<number, Vote>();
  private readonly outOfElection = new Map<number, OutOfElection>();

  constructor(
    private readonly self: number,
    private readonly voters: ReadonlySet<number>,
    public round: number,
    private readonly own: Vote,
  ) {
    this.vote = own;
  }

  /** Decides without any message when this member alone is a quorum (a one-voter ensemble). */
  decideAlone(): Vote | undefined {
    return this.hasQuorumFor(this.vote) ? this.vote : undefined;
  }

  /** The notification this member sends while LOOKING. */
  notification(): VoteMessage {
    return { type: 'vote', state: PeerState.LOOKING, round: this.round, vote: this.vote };
  }

  /** Handles a notification from `from`. Observers' notifications are not votes. */
  receive(from: number, n: VoteMessage): ElectionOutcome {
    const out: ElectionOutcome = { broadcast: false, replyToSender: false, decided: undefined };
    const fromVoter = this.voters.has(from);
    if (n.state === PeerState.LOOKING) {
      if (!fromVoter || !this.voters.has(n.vote.leader)) return out;
      if (n.round > this.round) {
        // A newer round: adopt its clock, forget this round's votes, re-compare from my own vote.
        this.round = n.round;
        this.received.clear();
        this.vote = voteBeats(n.vote, this.own) ? n.vote : this.own;
        out.broadcast = true;
      } else if (n.round < this.round) {
        // The sender is behind: tell it about the current round.
        out.replyToSender = true;
        return out;
      } else if (voteBeats(n.vote, this.vote)) {
        this.vote = n.vote;
        out.broadcast = true;
      }
      this.received.set(from, n.vote);
      if (this.hasQuorumFor(this.vote)) out.decided = this.vote;
      return out;
    }
    // The sender is already in an ensemble (FOLLOWING / LEADING). Observers' claims count too for
    // learning the leader but never towards the quorum.
    this.outOfElection.set(from, { vote: n.vote, state: n.state, round: n.round });
    if (!this.voters.has(n.vote.leader)) return out;
    if (n.round === this.round && fromVoter) {
      this.received.set(from, n.vote);
      if (this.hasQuorumFor(n.vote) && this.leaderConfirms(n.vote, n.round)) {
        out.decided = n.vote;
        return out;
      }
    }
    if (this.outOfElectionQuorum(n.vote) && this.leaderConfirms(n.vote, n.round)) {
      this.round = n.round;
      out.decided = n.vote;
    }
    return out;
  }

  private hasQuorumFor(v: Vote): boolean {
    const ids: number[] = [];
    for (const [id, w] of this.received) if (sameVote(v, w)) ids.push(id);
    if (sameVote(v, this.vote)) ids.push(this.self);
    return isQuorum(new Set(ids), this.voters);
  }

  private outOfElectionQuorum(v: Vote): boolean {
    const ids: number[] = [];
    for (const [id, o] of this.outOfElection) {
      if (o.vote.leader === v.leader && o.vote.peerEpoch === v.peerEpoch) ids.push(id);
    }
    // My own current vote for that leader counts too: I would elect it anyway.
    if (this.vote.leader === v.leader) ids.push(this.self);
    return isQuorum(new Set(ids), this.voters);
  }

  /** Joining someone else's leadership needs that leader's own LEADING claim (checkLeader). */
  private leaderConfirms(v: Vote, round: number): boolean {
    // Claims that we lead only count from our current round: otherwise a leader that just gave up
    // would be talked back into leading by its own (not yet timed out) followers.
    if (v.leader === this.self) return round === this.round;
    const claim = this.outOfElection.get(v.leader);
    return claim !== undefined && claim.state === PeerState.LEADING && claim.vote.peerEpoch === v.peerEpoch;
  }
}
