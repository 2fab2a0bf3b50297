/** Small durable-file helpers shared by the storage modules. */
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * fsync a directory so that creates, renames and unlinks inside it survive a power loss (the
 * file's own fsync does not cover its directory entry).
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replace `path` atomically and durably with `data`: write a tmp file, fsync it, rename over the
 * target, fsync the directory. A crash leaves either the old or the new content, never a mix.
 */
export async function writeFileAtomic(
  path: string,
  data: Buffer,
  opts: { fsync?: boolean } = {},
): Promise<void> {
  const doSync = opts.fsync ?? true;
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    if (doSync) await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  if (doSync) await fsyncDir(dirname(path));
}

/** unlink that ignores a file that is already gone. */
export async function unlinkIfExists(path: string): Promise<boolean> {
  try {
    await unlink(path);
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
