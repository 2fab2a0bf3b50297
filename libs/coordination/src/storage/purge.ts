/**
 * Retention: delete old snapshots and the log segments only they needed.
 *
 * Same rule as ZooKeeper's PurgeTxnLog: keep the newest `retainCount` complete snapshots; delete
 * older snapshots; keep every log segment that may hold txns after the OLDEST kept snapshot, which
 * is the newest segment whose first zxid is <= that snapshot's zxid plus every later segment.
 * Recovery from any kept snapshot therefore still finds its whole log suffix.
 */
import { join, resolve } from 'node:path';
import { StorageError } from './errors.js';
import { storageFileSystem, type FileSystem } from './file-system.js';
import { parseZxidName, unlinkIfExists } from './fs-util.js';
import { SEGMENT_PREFIX } from './log-format.js';
import { listSnapshots, looksComplete } from './snapshot-store.js';
import { TxnLog } from './txn-log.js';

/** ZooKeeper refuses to purge down to fewer than 3 snapshots; so do we. */
export const MIN_RETAIN_COUNT = 3;

/** What a purge removed. */
export interface PurgeResult {
  /** Zxid of the oldest snapshot kept (undefined: no complete snapshot, nothing deleted). */
  keptFromZxid: number | undefined;
  deletedSnapshots: string[];
  deletedLogs: string[];
}

/**
 * Keep the newest `retainCount` (>= 3) complete snapshots and the log needed to recover from any
 * of them; delete the rest. Safe to call while the member runs: if a TxnLog is open on `logDir` in
 * this process (or is passed as `opts.log`), segments are removed through it so its view stays right.
 *
 * @example
 * await purgeOld('/data/version-2', '/datalog/version-2', 3);
 */
export async function purgeOld(
  snapDir: string,
  logDir: string,
  retainCount: number,
  opts: { log?: TxnLog; fsync?: boolean; fs?: FileSystem } = {},
): Promise<PurgeResult> {
  const fs = opts.fs ?? opts.log?.fs ?? storageFileSystem();
  if (!Number.isInteger(retainCount) || retainCount < MIN_RETAIN_COUNT) {
    throw new StorageError(`retainCount must be an integer >= ${MIN_RETAIN_COUNT}, got ${retainCount}`);
  }
  const doSync = opts.fsync ?? true;
  const snaps = await listSnapshots(snapDir, fs);
  // Only complete snapshots count toward the retained number: a torn one cannot be recovered from.
  const kept: number[] = [];
  for (let i = snaps.length - 1; i >= 0 && kept.length < retainCount; i--) {
    if (await looksComplete(snaps[i]!.path, fs)) kept.push(snaps[i]!.zxid);
  }
  const result: PurgeResult = { keptFromZxid: undefined, deletedSnapshots: [], deletedLogs: [] };
  if (!kept.length) return result;
  const keepFrom = kept[kept.length - 1]!;
  result.keptFromZxid = keepFrom;

  for (const s of snaps) {
    if (s.zxid < keepFrom && (await unlinkIfExists(s.path, fs))) result.deletedSnapshots.push(s.path);
  }
  fs.crashPoint('purge.unlinked');
  if (result.deletedSnapshots.length && doSync) await fs.fsyncDir(snapDir);

  const log = opts.log ?? TxnLog.openIn(logDir);
  if (log) {
    result.deletedLogs = await log.purge(keepFrom);
    return result;
  }
  const segs = (await fs.readdir(logDir))
    .map((name) => ({ path: join(logDir, name), zxid: parseZxidName(name, SEGMENT_PREFIX) }))
    .filter((s): s is { path: string; zxid: number } => s.zxid !== undefined)
    .sort((a, b) => a.zxid - b.zxid);
  let keepIdx = 0;
  for (let i = 0; i < segs.length; i++) if (segs[i]!.zxid <= keepFrom) keepIdx = i;
  for (const s of segs.slice(0, keepIdx)) {
    if (await unlinkIfExists(s.path, fs)) result.deletedLogs.push(s.path);
  }
  fs.crashPoint('purge.unlinked');
  if (result.deletedLogs.length && doSync) await fs.fsyncDir(resolve(logDir));
  return result;
}
