/**
 * The output seam (etcd raft's `Ready`). After any input the host takes the Ready and carries it
 * out in this order:
 *   0. hand `snapshotIntake` to the snapshot being received (pieces to store, or "abandon it");
 *   1. durably: install `snapshot` (the one received, replacing state and log), then truncate the log after
 *      `truncateAfter`, then write `acceptedEpoch` / `currentEpoch`;
 *   2. start appending `entries` (may complete later, in order; report with `ZabPeer.persisted(zxid)`).
 *      A truncate or snapshot voids appends still in flight from earlier Readys: never report those;
 *   3. send `messages` (only after step 1 is durable: an ACKEPOCH promises acceptedEpoch is on disk);
 *   4. apply `committed` in order (and, on a snapshot, load it first);
 *   5. answer the syncs in `syncsDone` (after step 4), fail those in `syncsFailed`;
 *   6. hand `forwarded` client requests (leader only) to the preparer, which calls `propose`;
 *   7. start streaming each of `snapshotSends` (leader only; it may take many turns): report each
 *      finished stream with `ZabPeer.snapshotSent`, and stop one early once `snapshotStreamWanted`
 *      says no.
 */
import type { Envelope, PeerState, ZabEntry, ZabSnapshot } from './messages.js';

/** Leader: stream `snapshot` to learner `to` for its sync attempt `syncId` (in `snap-chunk` messages). */
export interface SnapshotSend {
  readonly to: number;
  readonly syncId: number;
  readonly epoch: number;
  readonly snapshot: ZabSnapshot;
}

/**
 * Learner: what to do with the snapshot being received. `chunk`: store piece `seq` of the snapshot at
 * `zxid` (seq 0 starts a new one); `abort`: the stream was cut or superseded, discard what was stored.
 */
export type SnapshotIntakeOp =
  | { readonly kind: 'chunk'; readonly zxid: number; readonly seq: number; readonly data: Buffer }
  | { readonly kind: 'abort' };

/** Learner: install the snapshot fully received through `snapshotIntake` (it covers up to `zxid`). */
export interface SnapshotInstall {
  readonly zxid: number;
}

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
  /** pieces of a snapshot being received, in order (before `snapshot`, which may use them) */
  snapshotIntake: SnapshotIntakeOp[];
  /** the received snapshot to install (SNAP sync): replaces the tree and the whole log */
  snapshot: SnapshotInstall | undefined;
  /** drop every log entry with a larger zxid (TRUNC sync), including appends still in flight */
  truncateAfter: number | undefined;
  entries: ZabEntry[];
  messages: Envelope[];
  committed: ZabEntry[];
  status: PeerStatus | undefined;
  forwarded: { from: number; data: Buffer }[];
  syncsDone: number[];
  syncsFailed: number[];
  /** leader: snapshots to stream to learners (SNAP syncs) */
  snapshotSends: SnapshotSend[];
}

export function emptyReady(): Ready {
  return {
    acceptedEpoch: undefined,
    currentEpoch: undefined,
    snapshotIntake: [],
    snapshot: undefined,
    truncateAfter: undefined,
    entries: [],
    messages: [],
    committed: [],
    status: undefined,
    forwarded: [],
    syncsDone: [],
    syncsFailed: [],
    snapshotSends: [],
  };
}

/** Whether the host has anything to do. */
export function readyHasWork(r: Ready): boolean {
  return (
    r.acceptedEpoch !== undefined ||
    r.currentEpoch !== undefined ||
    r.snapshotIntake.length > 0 ||
    r.snapshot !== undefined ||
    r.truncateAfter !== undefined ||
    r.entries.length > 0 ||
    r.messages.length > 0 ||
    r.committed.length > 0 ||
    r.status !== undefined ||
    r.forwarded.length > 0 ||
    r.syncsDone.length > 0 ||
    r.syncsFailed.length > 0 ||
    r.snapshotSends.length > 0
  );
}

/** Records a truncation so that the Ready stays in canonical order (snapshot, truncate, append). */
export function readyTruncate(r: Ready, after: number): void {
  r.truncateAfter = r.truncateAfter === undefined ? after : Math.min(r.truncateAfter, after);
  r.entries = r.entries.filter((e) => e.zxid <= after);
}

/** Records a snapshot install: earlier truncations and appends in this Ready are superseded. */
export function readySnapshot(r: Ready, snapshot: SnapshotInstall): void {
  r.snapshot = snapshot;
  r.truncateAfter = undefined;
  r.entries = [];
  r.committed = [];
}
