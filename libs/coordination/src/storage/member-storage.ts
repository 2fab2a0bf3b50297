/**
 * Everything a member keeps on disk, behind one owner: the txn log, the snapshots, the
 * acceptedEpoch/currentEpoch files and their housekeeping (truncation for TRUNC and SNAP, purge).
 * ZooKeeper's layout: `<dataDir>/version-2` holds snapshots and epoch files, `<dataLogDir>/version-2`
 * the log. The files underneath go through the storage filesystem seam (file-system.ts), so the
 * chaos harness can swap in its crash-simulating layer without the member knowing.
 *
 * @example
 * const storage = await MemberStorage.open({ dataDir, dataLogDir, fsync: true });
 * const snap = await storage.latestSnapshot();
 * for await (const e of storage.logAfter(snap?.zxid ?? 0)) apply(e);
 */
import { join } from 'node:path';
import { storageFileSystem, type FileSystem } from './file-system.js';
import {
  ACCEPTED_EPOCH_FILE,
  CURRENT_EPOCH_FILE,
  readEpochFile,
  saveEpochFiles,
  type EpochUpdate,
} from './epoch-file.js';
import { purgeOld } from './purge.js';
import { SnapshotStore } from './snapshot-store.js';
import { TxnLog, type LogEntry } from './txn-log.js';

export interface MemberStorageOptions {
  dataDir: string;
  /** default: dataDir */
  dataLogDir?: string;
  /** fsync the log, snapshots and epoch files (zoo.cfg forceSync) */
  fsync: boolean;
  /** default: the process's storage filesystem (node:fs, or the chaos harness's crash-simulating one) */
  fs?: FileSystem;
}

/** The newest snapshot that validates, read whole (its chunks in order). */
export interface LoadedSnapshot {
  zxid: number;
  chunks: Buffer[];
}

export class MemberStorage {
  private constructor(
    readonly snapDir: string,
    readonly logDir: string,
    readonly log: TxnLog,
    readonly snapshots: SnapshotStore,
    readonly fsync: boolean,
    private readonly fs: FileSystem,
  ) {}

  static async open(opts: MemberStorageOptions): Promise<MemberStorage> {
    const snapDir = join(opts.dataDir, 'version-2');
    const logDir = join(opts.dataLogDir ?? opts.dataDir, 'version-2');
    const fs = opts.fs ?? storageFileSystem();
    // Through the seam: a first start's directories are durable (their parents fsynced) before
    // anything in them is acknowledged.
    await fs.mkdir(snapDir);
    await fs.mkdir(logDir);
    const snapshots = await SnapshotStore.open(snapDir, { fsync: opts.fsync, fs });
    const log = await TxnLog.open(logDir, { fsync: opts.fsync, preallocate: true, fs });
    return new MemberStorage(snapDir, logDir, log, snapshots, opts.fsync, fs);
  }

  /** The epochs ZAB persisted (0 for a member that never took part in one). */
  async epochs(): Promise<{ acceptedEpoch: number; currentEpoch: number }> {
    return {
      acceptedEpoch: (await readEpochFile(join(this.snapDir, ACCEPTED_EPOCH_FILE), this.fs)) ?? 0,
      currentEpoch: (await readEpochFile(join(this.snapDir, CURRENT_EPOCH_FILE), this.fs)) ?? 0,
    };
  }

  /** Persists the epochs ZAB moved to, durably, before anything that depends on them is sent. */
  saveEpochs(update: EpochUpdate): Promise<void> {
    return saveEpochFiles(this.snapDir, update, { fsync: this.fsync, fs: this.fs });
  }

  async latestSnapshot(): Promise<LoadedSnapshot | undefined> {
    const snap = await this.snapshots.latestValid();
    if (!snap) return undefined;
    const chunks: Buffer[] = [];
    for await (const c of snap.chunks()) chunks.push(c);
    return { zxid: snap.zxid, chunks };
  }

  /** Log entries after `zxid`, ascending. */
  logAfter(zxid: number): AsyncIterable<LogEntry> {
    return this.log.read(zxid);
  }

  /**
   * TRUNC: the history after `zxid` is being left. Newer snapshots go first (they must not win at
   * restart), then the log is cut.
   */
  async truncateAfter(zxid: number): Promise<void> {
    await this.snapshots.removeNewerThan(zxid);
    await this.log.truncateAfter(zxid);
  }

  /**
   * Rolls the log to a new segment, then writes a (fuzzy) snapshot of what `source` returns at that
   * moment: every txn up to its zxid is then in older segments or in the snapshot.
   */
  async snapshot(
    source: () => { zxid: number; chunks: AsyncIterable<Buffer> | Iterable<Buffer> },
  ): Promise<void> {
    await this.log.roll();
    const { zxid, chunks } = source();
    await this.snapshots.write(zxid, chunks);
  }

  /** Deletes snapshots and log segments older than the newest `retain` snapshots need. */
  purge(retain: number): Promise<unknown> {
    return purgeOld(this.snapDir, this.logDir, retain, { fsync: this.fsync, fs: this.fs });
  }

  close(): Promise<void> {
    return this.log.close();
  }
}
