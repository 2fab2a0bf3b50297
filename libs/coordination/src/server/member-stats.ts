/** Counters and events a member reports to the server around it (srvr, mntr, /metrics). */
import { AvgMinMaxCounter } from './avg-min-max.js';

/** What the server around the member hears about the member's role. */
export interface MemberEvents {
  /** the member stopped (false) or started (true) serving clients */
  servingChanged?(serving: boolean): void;
  /** ms from leaving service (or starting) to serving again */
  electionTime?(ms: number): void;
  /** ms from propose to commit on the leader */
  proposalLatency?(ms: number): void;
  /** a client request of `op` was answered (or closed its connection) `ms` after it arrived */
  requestAnswered?(op: string, ms: number): void;
}

export interface MemberStats {
  packetsReceived: number;
  packetsSent: number;
  minLatency: number;
  maxLatency: number;
  totalLatency: number;
  latencyCount: number;
  /** requests routed from here whose txn is not applied yet */
  readonly outstanding: number;
  txnsCommitted: number;
  snapshotsTaken: number;
  lastSnapshotMs: number;
  startedAt: number;
  /** ms per txn log fsync (ZooKeeper's `fsynctime`) */
  readonly fsyncTime: AvgMinMaxCounter;
  /** txns made durable by one fsync (ZooKeeper's `sync_processor_batch_size`) */
  readonly syncBatchSize: AvgMinMaxCounter;
}

/** Fresh counters; `outstanding` is read live from `outstanding()`. */
export function newMemberStats(startedAt: number, outstanding: () => number): MemberStats {
  return {
    packetsReceived: 0,
    packetsSent: 0,
    minLatency: Number.MAX_SAFE_INTEGER,
    maxLatency: 0,
    totalLatency: 0,
    latencyCount: 0,
    get outstanding() {
      return outstanding();
    },
    txnsCommitted: 0,
    snapshotsTaken: 0,
    lastSnapshotMs: 0,
    startedAt,
    fsyncTime: new AvgMinMaxCounter('fsynctime'),
    syncBatchSize: new AvgMinMaxCounter('sync_processor_batch_size'),
  };
}
