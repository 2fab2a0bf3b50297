/** The shape of `GET /api/cluster` and of each event on `GET /api/cluster/events`. */
import type { MemberStatus } from './member-status.js';

export interface InstanceView {
  id: string;
  address: string;
  /** HTTP port. */
  port: number | null;
  rpcPort: number | null;
  version: string | null;
  /** `GET /health` answered 200 within the probe timeout. */
  healthy: boolean;
  /** ISO time of registration. */
  registeredAt: string;
}

export interface ClusterSnapshot {
  /** ISO time the snapshot was taken. */
  at: string;
  members: MemberStatus[];
  /** id of the member in `leader` mode, or null while there is none (election, no quorum). */
  leader: string | null;
  services: Record<string, InstanceView[]>;
  gateway: { session: string; connectedTo: string | null };
}

/** The leader's id when exactly one member says it leads (two means a stale one has not noticed yet). */
export function leaderOf(members: readonly MemberStatus[]): string | null {
  const leaders = members.filter((m) => m.mode === 'leader');
  if (leaders.length === 1) return leaders[0]!.id;
  if (leaders.length === 0) return null;
  // A deposed leader may answer `leader` for a moment: the higher epoch is the current one.
  const newest = [...leaders].sort((a, b) => (b.epoch ?? -1) - (a.epoch ?? -1));
  return newest[0]!.epoch !== newest[1]!.epoch ? newest[0]!.id : null;
}
