/**
 * Phase 1 of Zab: discovery (the paper's "Phase 1: Discovery", steps l.1.1-l.1.2 and f.1.1-f.1.2;
 * ZooKeeper's FOLLOWERINFO / LEADERINFO / ACKEPOCH exchange).
 *
 * The prospective leader collects the accepted epochs of a quorum and proposes
 * `newEpoch = max(acceptedEpoch) + 1`. A follower accepts only an epoch greater than any it accepted
 * before and makes it durable before ACKEPOCH, so no two leaders can gather a quorum for one epoch.
 * Because FLE already picked the most up-to-date member, the leader does not copy histories from
 * followers; instead it checks each ACKEPOCH of the establishing quorum and gives up if a follower
 * is ahead of it (ZooKeeper's `waitForEpochAck` check), since then its votes were stale.
 */

/** Position of a history for the "who is ahead" comparison: (currentEpoch, lastZxid). */
export interface HistoryPosition {
  readonly currentEpoch: number;
  readonly lastZxid: number;
}

/** True iff `a` is strictly ahead of `b`. */
export function isAhead(a: HistoryPosition, b: HistoryPosition): boolean {
  return a.currentEpoch > b.currentEpoch || (a.currentEpoch === b.currentEpoch && a.lastZxid > b.lastZxid);
}

/** The epoch a leader proposes given the accepted epochs it learned (its own included). */
export function proposeEpoch(acceptedEpochs: Iterable<number>): number {
  let max = 0;
  for (const e of acceptedEpochs) if (e > max) max = e;
  return max + 1;
}

/** A follower's answer to LEADERINFO. */
export type EpochDecision = 'accept-new' | 'accept-again' | 'reject';

/**
 * Whether a learner may acknowledge `epoch` from `leader`.
 *
 * - A strictly newer epoch is accepted (and must be persisted before ACKEPOCH).
 * - The same epoch again is accepted only from the leader we accepted it from in this incarnation
 *   (a reconnect), or when the leader says the epoch is already established: then a quorum has
 *   accepted it from that leader, so no other leader can reach a quorum for it.
 * - Observers take no part in epoch agreement: they record an epoch only once a leader synced them
 *   (leaders sync observers only after establishing), and refuse leaders of older epochs, whose
 *   histories may lack txns the observer already applied.
 */
export function decideEpoch(args: {
  epoch: number;
  leader: number;
  established: boolean;
  acceptedEpoch: number;
  acceptedFrom: number | undefined;
  observer: boolean;
}): EpochDecision {
  const { epoch, acceptedEpoch } = args;
  if (epoch < acceptedEpoch) return 'reject';
  if (args.observer) return 'accept-again';
  if (epoch > acceptedEpoch) return 'accept-new';
  if (args.established || args.acceptedFrom === args.leader) return 'accept-again';
  return 'reject';
}
