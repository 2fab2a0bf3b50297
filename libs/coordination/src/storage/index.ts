/** Storage layer: transaction log, snapshots, recovery, retention, epoch files, layout. */
export { crc32 } from './crc32.js';
export { DataCorruptionError, LogUnavailableError, StorageError, ZxidOrderError } from './errors.js';
export { TxnLog } from './txn-log.js';
export type { LogEntry, SegmentInfo, TxnLogOptions, TxnLogStats } from './txn-log.js';
export { SnapshotStore, listSnapshots, looksComplete } from './snapshot-store.js';
export type { SnapshotFile, ValidSnapshot } from './snapshot-store.js';
export { MIN_RETAIN_COUNT, purgeOld } from './purge.js';
export type { PurgeResult } from './purge.js';
export { ACCEPTED_EPOCH_FILE, CURRENT_EPOCH_FILE, readEpochFile, writeEpochFile } from './epoch-file.js';
export { VERSION_DIR, ensureDataDirs, resolveDataDirs } from './data-dir.js';
export type { DataDirs } from './data-dir.js';
export { recover } from './recovery.js';
export type { RecoveryResult } from './recovery.js';
export { nodeFileSystem, setStorageFileSystem, storageFileSystem } from './file-system.js';
export type { FileSystem, OpenMode, StorageFile } from './file-system.js';
export { plantAckBeforeFsync } from './txn-log.js';
