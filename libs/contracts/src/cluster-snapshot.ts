/**
 * What `GET /api/cluster` (and each event of `/api/cluster/events`) answers: the gateway writes it,
 * the dashboard reads it. Types only.
 */
export type MemberMode = 'leader' | 'follower' | 'observer' | 'down';

/** A coordinator member as read from its `srvr` four-letter word. */
export interface MemberStatus {
  /** Position in the connect string, 1-based (matches myid when the string lists members in order). */
  id: string;
  address: string;
  mode: MemberMode;
  epoch: number | null;
  /** `0x...` hex, as the four-letter words print it. */
  lastZxid: string | null;
  connections: number | null;
  /** Round trip of the srvr request, ms; null when the member did not answer. */
  latencyMs: number | null;
  /** Why the member is down (refused, timed out, not serving). */
  error?: string;
}

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
