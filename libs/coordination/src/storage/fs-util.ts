/** Small durable-file helpers shared by the storage modules. */
import { dirname } from 'node:path';
import { storageFileSystem, type FileSystem } from './file-system.js';

/**
 * fsync a directory so that creates, renames and unlinks inside it survive a power loss (the
 * file's own fsync does not cover its directory entry).
 */
export async function fsyncDir(dir: string, fs: FileSystem = storageFileSystem()): Promise<void> {
  await fs.fsyncDir(dir);
}

/**
 * Replace `path` atomically and durably with `data`: write a tmp file, fsync it, rename over the
 * target, fsync the directory. A crash leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomic(
  path: string,
  data: Buffer,
  opts: { fsync?: boolean; fs?: FileSystem } = {},
): Promise<void> {
  const doSync = opts.fsync ?? true;
  const fs = opts.fs ?? storageFileSystem();
  const tmp = `${path}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    await fh.write(data, 0, data.length, 0);
    if (doSync) await fh.sync();
  } finally {
    await fh.close();
  }
  fs.crashPoint('atomic-file.written');
  await fs.rename(tmp, path);
  fs.crashPoint('atomic-file.renamed');
  if (doSync) await fs.fsyncDir(dirname(path));
}

/** unlink that ignores a file that is already gone. */
export async function unlinkIfExists(path: string, fs: FileSystem = storageFileSystem()): Promise<boolean> {
  try {
    await fs.unlink(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Format a zxid the way ZooKeeper names its files: lowercase hex, no padding. */
export function zxidHex(zxid: number): string {
  return zxid.toString(16);
}

/** Parse `<prefix><hex>` file names; undefined when the name does not match exactly. */
export function parseZxidName(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const hex = name.slice(prefix.length);
  if (!/^[0-9a-f]{1,14}$/i.test(hex)) return undefined;
  const v = parseInt(hex, 16);
  return Number.isSafeInteger(v) ? v : undefined;
}
