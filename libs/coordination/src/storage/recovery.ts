/**
 * Startup recovery: newest valid snapshot, then replay of the log after it. Generic over payloads;
 * the caller supplies how to load a snapshot and apply one logged txn.
 *
 * The snapshot is fuzzy (taken while writes went on), so it may already reflect some txns after its
 * zxid; the caller's apply must tolerate replaying those, as ZooKeeper's data tree does.
 */
import { DataCorruptionError } from './errors.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { TxnLog } from './txn-log.js';

/** Outcome of {@link recover}. */
export interface RecoveryResult {
  /** Zxid of the snapshot loaded; 0 when none. */
  snapshotZxid: number;
  /** Highest zxid applied (snapshot or replay). */
  lastZxid: number;
  /** Log entries replayed. */
  replayed: number;
}

/**
 * Load the newest valid snapshot (if any) and replay every logged entry after it.
 *
 * @throws DataCorruptionError when a snapshot exists but the log does not reach back to it (the
 *   txns in between are gone, so replay would silently skip them).
 * @example
 * const r = await recover({ snapshots, log,
 *   loadSnapshot: async (zxid, chunks) => { db = await ZkDatabase.restoreFrom(chunks); },
 *   apply: (zxid, payload) => db.apply(decodeTxn(payload)) });
 */
export async function recover(opts: {
  snapshots: SnapshotStore;
  log: TxnLog;
  loadSnapshot(zxid: number, chunks: AsyncIterable<Buffer>): Promise<void>;
  apply(zxid: number, payload: Buffer): void | Promise<void>;
}): Promise<RecoveryResult> {
  const snap = await opts.snapshots.latestValid();
  const snapshotZxid = snap?.zxid ?? 0;
  if (snap) await opts.loadSnapshot(snap.zxid, snap.chunks());
  // Segments start at their first entry's zxid; if the oldest one starts after snapshotZxid+1 the
  // log may not cover the gap. Zxids are not dense across epochs, so only flag it when the log has
  // nothing at or before the snapshot AND there is a log at all.
  const first = opts.log.firstZxid;
  if (snap && first > snapshotZxid + 1 && !isEpochStart(first)) {
    throw new DataCorruptionError(
      `log starts at 0x${first.toString(16)} but the newest valid snapshot is 0x${snapshotZxid.toString(16)}: txns in between are missing`,
    );
  }
  let lastZxid = snapshotZxid;
  let replayed = 0;
  for await (const e of opts.log.read(snapshotZxid)) {
    await opts.apply(e.zxid, e.payload);
    lastZxid = e.zxid;
    replayed++;
  }
  return { snapshotZxid, lastZxid, replayed };
}

/** The first txn of an epoch has counter 1 (counter 0 is the NEWLEADER zxid itself). */
function isEpochStart(zxid: number): boolean {
  return zxid % 0x1_0000_0000 <= 1;
}
