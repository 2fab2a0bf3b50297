/**
 * Small durable integer files, for ZAB's `acceptedEpoch` and `currentEpoch` (kept in the snapshot
 * directory, as ZooKeeper does). Content is the decimal number and a newline, like ZooKeeper's, so
 * an operator can read it with cat.
 */
import { join } from 'node:path';
import { DataCorruptionError, StorageError } from './errors.js';
import { storageFileSystem, type FileSystem } from './file-system.js';
import { writeFileAtomic } from './fs-util.js';

/** File name of the epoch a follower last accepted (NEWEPOCH). */
export const ACCEPTED_EPOCH_FILE = 'acceptedEpoch';
/** File name of the epoch a member last acknowledged NEWLEADER for. */
export const CURRENT_EPOCH_FILE = 'currentEpoch';

/**
 * Read an integer file; undefined when it does not exist.
 *
 * @throws DataCorruptionError when the content is not a non-negative integer.
 * @example
 * const epoch = (await readEpochFile(join(snapDir, CURRENT_EPOCH_FILE))) ?? 0;
 */
export async function readEpochFile(
  path: string,
  fs: FileSystem = storageFileSystem(),
): Promise<number | undefined> {
  let text: string;
  try {
    text = (await fs.readFile(path)).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(value)) {
    throw new DataCorruptionError(
      `${path}: expected a non-negative integer, found ${JSON.stringify(text.slice(0, 40))}`,
      path,
    );
  }
  return value;
}

/**
 * Durably replace an integer file (tmp file, fsync, rename, fsync directory): after a crash it holds
 * either the old value or the new one.
 *
 * @example
 * await writeEpochFile(join(snapDir, ACCEPTED_EPOCH_FILE), newEpoch);
 */
export async function writeEpochFile(
  path: string,
  value: number,
  opts: { fsync?: boolean; fs?: FileSystem } = {},
): Promise<void> {
  if (!Number.isSafeInteger(value) || value < 0) throw new StorageError(`invalid epoch value ${value}`);
  await writeFileAtomic(path, Buffer.from(`${value}\n`), opts);
}

/** The two epochs ZAB persists; a field left out is not written. */
export interface EpochUpdate {
  acceptedEpoch?: number;
  currentEpoch?: number;
}

/**
 * Persist ZAB's epochs in `dir` (acceptedEpoch before currentEpoch, each atomically), as ZooKeeper
 * keeps them beside its snapshots.
 */
export async function saveEpochFiles(
  dir: string,
  update: EpochUpdate,
  opts: { fsync?: boolean; fs?: FileSystem } = {},
): Promise<void> {
  if (update.acceptedEpoch !== undefined)
    await writeEpochFile(join(dir, ACCEPTED_EPOCH_FILE), update.acceptedEpoch, opts);
  if (update.currentEpoch !== undefined)
    await writeEpochFile(join(dir, CURRENT_EPOCH_FILE), update.currentEpoch, opts);
}
