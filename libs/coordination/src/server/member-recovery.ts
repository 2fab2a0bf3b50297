/**
 * Recovery, one implementation for start-up and TRUNC alike: the newest valid snapshot, then the
 * log after it replayed in zxid order (replay is idempotent, so a fuzzy snapshot is fine). At
 * start-up the replayed entries also seed ZAB's log window, so the member can DIFF learners from
 * them right away. A snapshot received by SNAP is installed here too.
 */
import type { MemberStorage } from '../storage/member-storage.js';
import { decodeTxn } from '../tree/txn-codec.js';
import type { ZabEntry } from '../zab/messages.js';
import type { ReceivedSnapshot } from './snapshot-intake.js';
import { ZkDatabase } from './zk-database.js';

/** A replayed tail longer than this is cut to its newest TAIL_KEEP entries (bounds memory). */
const TAIL_LIMIT = 20_000;
const TAIL_KEEP = 10_000;

export interface Recovered<W> {
  db: ZkDatabase<W>;
  /** zxid of the snapshot the replay started from (0: none) */
  base: number;
  /** the newest replayed entries, for the log window (start-up only) */
  tail: ZabEntry[];
  /** true when `tail` is not all of the replayed log (the window's base must move up to it) */
  tailCut: boolean;
}

/**
 * Loads the newest snapshot and replays the log after it, up to `upTo` (TRUNC) or all of it.
 * `keepTail`: collect the replayed entries for the log window.
 */
export async function recoverDatabase<W>(
  storage: MemberStorage,
  opts: { upTo?: number; keepTail?: boolean } = {},
): Promise<Recovered<W>> {
  const snap = await storage.latestSnapshot();
  const db = snap ? ZkDatabase.restore<W>(snap.chunks) : new ZkDatabase<W>();
  const base = db.lastZxid;
  const tail: ZabEntry[] = [];
  let tailCut = false;
  const upTo = opts.upTo ?? Number.POSITIVE_INFINITY;
  for await (const entry of storage.logAfter(base)) {
    if (entry.zxid > upTo) break;
    db.apply(decodeTxn(entry.payload));
    if (opts.keepTail) {
      tail.push({ zxid: entry.zxid, data: entry.payload });
      if (tail.length > TAIL_LIMIT) {
        tail.splice(0, tail.length - TAIL_KEEP);
        tailCut = true;
      }
    }
  }
  return { db, base, tail, tailCut };
}

/**
 * SNAP: makes the snapshot received from the leader the durable state and returns it loaded.
 * Snapshots newer than it describe a history being left (they must not win at restart); the log is
 * cut before the snapshot is published, so a crash in between restarts from the old snapshot and a
 * prefix of the old log, never from this snapshot plus txns of the history being left.
 */
export async function installReceivedSnapshot<W>(
  storage: MemberStorage,
  snap: ReceivedSnapshot,
): Promise<ZkDatabase<W>> {
  const db = ZkDatabase.restore<W>(snap.records());
  await storage.snapshots.removeNewerThan(snap.zxid);
  await storage.log.truncateAfter(snap.zxid);
  await snap.publish();
  return db;
}

/** TRUNC: the log was cut after `zxid`; the database rebuilt from snapshot + log up to it. */
export async function rebuildAfterTruncate<W>(storage: MemberStorage, zxid: number): Promise<ZkDatabase<W>> {
  await storage.snapshots.removeNewerThan(zxid);
  return (await recoverDatabase<W>(storage, { upTo: zxid })).db;
}
