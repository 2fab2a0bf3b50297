/**
 * The filesystem seam of the storage layer: every durable write of the log, snapshots, epoch files
 * and truncation goes through {@link FileSystem}, so a test can swap the disk for one that forgets
 * what was not fsynced (lose-unsynced-file-system.ts) and a kill -9 becomes a power loss.
 *
 * Production is {@link nodeFileSystem} (node:fs). Storage classes take an optional `fs` and fall back
 * to the process default ({@link storageFileSystem}); only the coordinator's main (chaos runs) and
 * tests change that default.
 *
 * Errors keep node's `code` (ENOENT, EEXIST), so callers test `code` whichever implementation runs.
 */
import { writeSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * How a file is opened: 'r' read, 'r+' read/write an existing file, 'w' create or truncate,
 * 'wx+' create a new file (EEXIST if the name is taken) for reading and writing.
 */
export type OpenMode = 'r' | 'r+' | 'w' | 'wx+';

/** An open file. Positions are absolute; there is no file cursor. */
export interface StorageFile {
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  /** Writes all `length` bytes (loops on short writes). */
  write(buffer: Buffer, offset: number, length: number, position: number): Promise<void>;
  /**
   * Synchronous write, for the log's group commit: it only copies into the page cache, and doing it
   * inline saves a threadpool round trip per batch. Returns the bytes written (may be short).
   */
  writeSync(buffer: Buffer, offset: number, length: number, position: number): number;
  truncate(length: number): Promise<void>;
  /** fsync: data and metadata (size) durable. */
  sync(): Promise<void>;
  /** fdatasync: data durable, and the size when it changed. */
  datasync(): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface FileSystem {
  /** 'node' for the real one; tests name theirs. */
  readonly name: string;
  open(path: string, mode: OpenMode): Promise<StorageFile>;
  readFile(path: string): Promise<Buffer>;
  /** Entry names of a directory (no '.' or '..'). */
  readdir(dir: string): Promise<string[]>;
  /** Size in bytes of the file at `path`. */
  size(path: string): Promise<number>;
  /** Replaces `to` atomically; durable only once the directory is fsynced. */
  rename(from: string, to: string): Promise<void>;
  /** Durable only once the directory is fsynced. */
  unlink(path: string): Promise<void>;
  /** Creates `dir` and missing parents, durably (each new directory's parent is fsynced). */
  mkdir(dir: string): Promise<void>;
  /** fsync a directory: creates, renames and unlinks inside it become durable. */
  fsyncDir(dir: string): Promise<void>;
  /**
   * A named point inside a multi-step durable write ('snapshot.renamed', 'truncate.unlinked', ...).
   * The real filesystem ignores it; a crash-simulating one may lose power there.
   */
  crashPoint(name: string): void;
}

class NodeFile implements StorageFile {
  constructor(private readonly fh: FileHandle) {}

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    return this.fh.read(buffer, offset, length, position);
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesWritten } = await this.fh.write(buffer, offset + done, length - done, position + done);
      done += bytesWritten;
    }
  }

  writeSync(buffer: Buffer, offset: number, length: number, position: number): number {
    return writeSync(this.fh.fd, buffer, offset, length, position);
  }

  truncate(length: number): Promise<void> {
    return this.fh.truncate(length);
  }

  sync(): Promise<void> {
    return this.fh.sync();
  }

  datasync(): Promise<void> {
    return this.fh.datasync();
  }

  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }

  close(): Promise<void> {
    return this.fh.close();
  }
}

/** The real filesystem (node:fs). */
export const nodeFileSystem: FileSystem = {
  name: 'node',
  async open(path, mode) {
    return new NodeFile(await open(path, mode));
  },
  readFile: (path) => readFile(path),
  readdir: (dir) => readdir(dir),
  size: async (path) => (await stat(path)).size,
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async mkdir(dir) {
    // A new directory's own entry is durable only once its parent is fsynced: without this a power
    // loss right after the first start could take version-2/ and every fsynced file in it along.
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    for (let d = resolve(dir); ; d = dirname(d)) {
      await nodeFileSystem.fsyncDir(dirname(d));
      if (d === resolve(first) || dirname(d) === d) break;
    }
  },
  async fsyncDir(dir) {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
  crashPoint() {},
};

let processDefault: FileSystem = nodeFileSystem;

/** The filesystem storage uses when a caller passes none (node:fs unless a test changed it). */
export function storageFileSystem(): FileSystem {
  return processDefault;
}

/**
 * Makes `fs` the process default for storage. Only the coordinator's main (when the chaos harness
 * asks for REGISTRAR_TEST_STORAGE) and tests call this; returns the previous default.
 */
export function setStorageFileSystem(fs: FileSystem): FileSystem {
  const previous = processDefault;
  processDefault = fs;
  return previous;
}

/** An errno-style error, as node:fs throws them, for filesystems that are not node:fs. */
export function fsError(
  code: 'ENOENT' | 'EEXIST' | 'EISDIR' | 'EXDEV' | 'EBADF',
  syscall: string,
  path: string,
) {
  const e = new Error(`${code}: ${syscall} '${path}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = path;
  return e;
}
