/**
 * Phase 3 of Zab: broadcast (the paper's "Phase 3: Broadcast"; ZooKeeper's PROPOSAL / ACK / COMMIT
 * with pipelining and in-order commit).
 *
 * Acks are cumulative: a follower acks "my log is durable up to zxid Z", which covers every proposal
 * before Z because a synced follower's log is a prefix of the leader's. The commit point is then the
 * greatest zxid a quorum has acked (leader included, counted when its own log is durable), so commits
 * are in zxid order by construction and the cost per ack is O(voters), never O(log).
 */
import { quorumValue } from './quorum.js';
import { nextZxid } from './zxid.js';

/** Per-voter acked zxids within one epoch of one leader. */
export class AckTracker {
  private readonly acked = new Map<number, number>();

  constructor(private readonly voters: ReadonlySet<number>) {}

  /** Records a cumulative ack; acks never move backwards. */
  ack(id: number, zxid: number): void {
    if (!this.voters.has(id)) return;
    const prev = this.acked.get(id) ?? 0;
    if (zxid > prev) this.acked.set(id, zxid);
  }

  /** The greatest zxid a quorum of voters has made durable. */
  quorumZxid(): number {
    return quorumValue(this.acked, this.voters);
  }
}

/** What a learner does with an incoming proposal (or informed entry) given its history's end. */
export type ProposalFit = 'next' | 'duplicate' | 'gap';

/**
 * Zab relies on FIFO channels; if a message went missing the learner sees a gap and must resync
 * rather than log a txn out of order.
 */
export function classifyProposal(last: number, epoch: number, zxid: number): ProposalFit {
  if (zxid <= last) return 'duplicate';
  return zxid === nextZxid(last, epoch) ? 'next' : 'gap';
}
