/**
 * Majority quorum arithmetic (ZooKeeper's `QuorumMaj`). Only voters count; observers never do.
 */

/** Size of a majority of `voterCount` voters. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** Whether `ids` (which may contain non-voters) includes a majority of `voters`. */
export function isQuorum(ids: Iterable<number>, voters: ReadonlySet<number>): boolean {
  let count = 0;
  for (const id of ids) if (voters.has(id)) count++;
  return count >= majority(voters.size);
}

/**
 * The highest value that a majority of voters has reached: with per-voter acked zxids this is the
 * commit point (etcd's `quorum.CommittedIndex`). Voters without an entry count as 0.
 * O(v log v) in the number of voters, never in the log length.
 */
export function quorumValue(values: ReadonlyMap<number, number>, voters: ReadonlySet<number>): number {
  const acked: number[] = [];
  for (const id of voters) acked.push(values.get(id) ?? 0);
  acked.sort((a, b) => b - a);
  return acked[majority(voters.size) - 1] ?? 0;
}
