/**
 * Directory layout, as ZooKeeper lays it out: snapshots and epoch files in `<dataDir>/version-2`,
 * log segments in `<dataLogDir>/version-2` (the same folder when no dataLogDir is given). A
 * separate dataLogDir lets the log sit on its own device so its fsyncs do not queue behind
 * snapshot writes.
 */
import { join } from 'node:path';
import { ACCEPTED_EPOCH_FILE, CURRENT_EPOCH_FILE } from './epoch-file.js';
import { storageFileSystem, type FileSystem } from './file-system.js';

/** ZooKeeper's on-disk format version directory name. */
export const VERSION_DIR = 'version-2';

/** Resolved storage paths of one member. */
export interface DataDirs {
  snapDir: string;
  logDir: string;
  acceptedEpochFile: string;
  currentEpochFile: string;
}

/**
 * Compute the storage paths (no I/O).
 *
 * @example
 * resolveDataDirs({ dataDir: '/var/zk' }).logDir === '/var/zk/version-2'
 */
export function resolveDataDirs(cfg: { dataDir: string; dataLogDir?: string }): DataDirs {
  const snapDir = join(cfg.dataDir, VERSION_DIR);
  return {
    snapDir,
    logDir: join(cfg.dataLogDir ?? cfg.dataDir, VERSION_DIR),
    acceptedEpochFile: join(snapDir, ACCEPTED_EPOCH_FILE),
    currentEpochFile: join(snapDir, CURRENT_EPOCH_FILE),
  };
}

/** Compute the storage paths and create the directories. */
export async function ensureDataDirs(
  cfg: { dataDir: string; dataLogDir?: string },
  fs: FileSystem = storageFileSystem(),
): Promise<DataDirs> {
  const dirs = resolveDataDirs(cfg);
  await fs.mkdir(dirs.snapDir);
  await fs.mkdir(dirs.logDir);
  return dirs;
}
