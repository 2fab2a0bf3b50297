/** The shape of `GET /api/cluster` and of each event on `GET /api/cluster/events`. */
import type { MemberStatus } from '@registrar/contracts';

export type { ClusterSnapshot, InstanceView } from '@registrar/contracts';

/** The leader's id when exactly one member says it leads (two means a stale one has not noticed yet). */
export function leaderOf(members: readonly MemberStatus[]): string | null {
  const leaders = members.filter((m) => m.mode === 'leader');
  if (leaders.length === 1) return leaders[0]!.id;
  if (leaders.length === 0) return null;
  // A deposed leader may answer `leader` for a moment: the higher epoch is the current one.
  const newest = [...leaders].sort((a, b) => (b.epoch ?? -1) - (a.epoch ?? -1));
  return newest[0]!.epoch !== newest[1]!.epoch ? newest[0]!.id : null;
}
