/**
 * The output seam (etcd raft's `Ready`). After any input the host takes the Ready and carries it
 * out in this order:
 *   1. durably: install `snapshot` (replacing state and log), then truncate the log after
 *      `truncateAfter`, then write `acceptedEpoch` / `currentEpoch`;
 *   2. start appending `entries` (may complete later, in order; report with `ZabPeer.persisted(zxid)`).
 *      A truncate or snapshot voids appends still in flight from earlier Readys: never report those;
 *   3. send `messages` (only after step 1 is durable: an ACKEPOCH promises acceptedEpoch is on disk);
 *   4. apply `committed` in order (and, on a snapshot, load it first);
 *   5. answer the syncs in `syncsDone` (after step 4), fail those in `syncsFailed`;
 *   6. hand `forwarded` client requests (leader only) to the preparer, which calls `propose`.
 */
import type { Envelope, PeerState, ZabEntry, ZabSnapshot } from './messages.js';

/** Where this member stands, reported in a Ready whenever it changes. */
export interface PeerStatus {
  readonly state: PeerState;
  /** the leader being followed or led (undefined while LOOKING) */
  readonly leader: number | undefined;
  /** the established epoch, or the last accepted one while not serving */
  readonly epoch: number;
  /** true when this member may serve clients: an established leader or an up-to-date learner */
  readonly serving: boolean;
}

export interface Ready {
  acceptedEpoch: number | undefined;
  currentEpoch: number | undefined;
  /** a snapshot to install (SNAP sync): replaces the tree and the whole log */
  snapshot: ZabSnapshot | undefined;
  /** drop every log entry with a larger zxid (TRUNC sync), including appends still in flight */
  truncateAfter: number | undefined;
  entries: ZabEntry[];
  messages: Envelope[];
  committed: ZabEntry[];
  status: PeerStatus | undefined;
  forwarded: { from: number; data: Buffer }[];
  syncsDone: number[];
  syncsFailed: number[];
}

export function emptyReady(): Ready {
  return {
    acceptedEpoch: undefined,
    currentEpoch: undefined,
    snapshot: undefined,
    truncateAfter: undefined,
    entries: [],
    messages: [],
    committed: [],
    status: undefined,
    forwarded: [],
    syncsDone: [],
    syncsFailed: [],
  };
}

/** Whether the host has anything to do. */
export function readyHasWork(r: Ready): boolean {
  return (
    r.acceptedEpoch !== undefined ||
    r.currentEpoch !== undefined ||
    r.snapshot !== undefined ||
    r.truncateAfter !== undefined ||
    r.entries.length > 0 ||
    r.messages.length > 0 ||
    r.committed.length > 0 ||
    r.status !== undefined ||
    r.forwarded.length > 0 ||
    r.syncsDone.length > 0 ||
    r.syncsFailed.length > 0
  );
}

/** Records a truncation so that the Ready stays in canonical order (snapshot, truncate, append). */
export function readyTruncate(r: Ready, after: number): void {
  r.truncateAfter = r.truncateAfter === undefined ? after : Math.min(r.truncateAfter, after);
  r.entries = r.entries.filter((e) => e.zxid <= after);
}

/** Records a snapshot install: earlier truncations and appends in this Ready are superseded. */
export function readySnapshot(r: Ready, snapshot: ZabSnapshot): void {
  r.snapshot = snapshot;
  r.truncateAfter = undefined;
  r.entries = [];
  r.committed = [];
}
