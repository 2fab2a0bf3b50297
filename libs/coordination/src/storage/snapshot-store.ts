/**
 * Snapshot files: an opaque sequence of chunks (the caller's serialized tree and sessions) framed,
 * checksummed and published atomically.
 *
 * File `snapshot.<zxid-hex>` (ZooKeeper's naming), big-endian:
 *
 *   header, 16 bytes:  u32 magic 'RGSN' | u32 version (1) | u32 zxid high | u32 zxid low
 *   chunk, repeated:   u32 length (< 0xffffffff) | bytes
 *   trailer, 12 bytes: u32 0xffffffff (end marker) | u32 crc32 of every byte before it | u32 magic 'RGSE'
 *
 * A snapshot is written to `<name>.tmp`, fsynced, renamed into place and the directory fsynced, so
 * a visible `snapshot.*` file is complete unless the disk damaged it later; the CRC catches that.
 * Writing streams chunk by chunk, so the caller can produce a fuzzy snapshot while writes continue
 * (replaying the log from the snapshot's zxid makes it consistent, as in ZooKeeper).
 */
import { join } from 'node:path';
import { crc32 } from './crc32.js';
import { DataCorruptionError, StorageError } from './errors.js';
import { storageFileSystem, type FileSystem, type StorageFile } from './file-system.js';
import { parseZxidName, unlinkIfExists, zxidHex } from './fs-util.js';
import { ChunkedReader } from './log-format.js';

export const SNAPSHOT_PREFIX = 'snapshot.';
const MAGIC = 0x5247534e; // 'RGSN'
const TRAILER_MAGIC = 0x52475345; // 'RGSE'
const VERSION = 1;
const HEADER_BYTES = 16;
const TRAILER_BYTES = 12;
const END_MARKER = 0xffffffff;
const TWO_32 = 0x1_0000_0000;
/** Small chunks are gathered into writes of about this size. */
const WRITE_BUFFER_BYTES = 1024 * 1024;

/** A snapshot file on disk. */
export interface SnapshotFile {
  zxid: number;
  path: string;
  bytes: number;
}

/** A verified snapshot, ready to load. */
export interface ValidSnapshot {
  zxid: number;
  path: string;
  /** The chunks exactly as written. Re-verifies the CRC at the end and throws if it changed. */
  chunks(): AsyncIterable<Buffer>;
}

/**
 * The snapshots of one member.
 *
 * @example
 * const store = await SnapshotStore.open('/data/version-2');
 * await store.write(db.lastZxid, db.snapshotChunks());
 * const snap = await store.latestValid();
 * if (snap) for await (const chunk of snap.chunks()) loader.push(chunk);
 */
export class SnapshotStore {
  private constructor(
    /** Directory holding the snapshot files. */
    readonly dir: string,
    private readonly doSync: boolean,
    private readonly fs: FileSystem,
  ) {}

  /** Open (creating if needed) the store; removes `.tmp` files left by a crash mid-write. */
  static async open(dir: string, opts: { fsync?: boolean; fs?: FileSystem } = {}): Promise<SnapshotStore> {
    const fs = opts.fs ?? storageFileSystem();
    await fs.mkdir(dir);
    for (const name of await fs.readdir(dir)) {
      if (name.startsWith(SNAPSHOT_PREFIX) && name.endsWith('.tmp'))
        await unlinkIfExists(join(dir, name), fs);
    }
    return new SnapshotStore(dir, opts.fsync ?? true, fs);
  }

  /** Path of the snapshot for `zxid`. */
  pathFor(zxid: number): string {
    return join(this.dir, SNAPSHOT_PREFIX + zxidHex(zxid));
  }

  /**
   * Write a snapshot of the state at `zxid` (the last txn applied when it started). Resolves to the
   * final path once the file and its directory entry are durable.
   */
  async write(zxid: number, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<string> {
    if (!Number.isSafeInteger(zxid) || zxid < 0) throw new StorageError(`invalid snapshot zxid ${zxid}`);
    const path = this.pathFor(zxid);
    const tmp = `${path}.tmp`;
    const fs = this.fs;
    const fh = await fs.open(tmp, 'w');
    const out = new BufferedWriter(fh);
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      header.writeUInt32BE(MAGIC, 0);
      header.writeUInt32BE(VERSION, 4);
      header.writeUInt32BE(Math.floor(zxid / TWO_32), 8);
      header.writeUInt32BE(zxid >>> 0, 12);
      await out.write(header);
      for await (const chunk of chunks) {
        if (chunk.length >= END_MARKER)
          throw new StorageError(`snapshot chunk of ${chunk.length} bytes is too large`);
        const len = Buffer.allocUnsafe(4);
        len.writeUInt32BE(chunk.length, 0);
        await out.write(len);
        await out.write(chunk);
      }
      const marker = Buffer.alloc(4);
      marker.writeUInt32BE(END_MARKER, 0);
      await out.write(marker);
      const trailer = Buffer.alloc(8);
      trailer.writeUInt32BE(out.crc, 0);
      trailer.writeUInt32BE(TRAILER_MAGIC, 4);
      await out.write(trailer);
      await out.flush();
      if (this.doSync) await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlinkIfExists(tmp, fs).catch(() => undefined);
      throw e;
    }
    await fh.close();
    fs.crashPoint('snapshot.written');
    await fs.rename(tmp, path);
    fs.crashPoint('snapshot.renamed');
    if (this.doSync) await fs.fsyncDir(this.dir);
    return path;
  }

  /** Snapshot files by name, oldest first (not verified; see latestValid). */
  async list(): Promise<SnapshotFile[]> {
    return listSnapshots(this.dir, this.fs);
  }

  /**
   * The newest snapshot whose CRC and framing verify. A damaged or truncated newer one is skipped
   * in favour of an older one (the log must then reach back to that older one; purge keeps
   * several snapshots for this reason). undefined when none is valid.
   */
  async latestValid(): Promise<ValidSnapshot | undefined> {
    const all = await this.list();
    for (let i = all.length - 1; i >= 0; i--) {
      const f = all[i]!;
      if (!(await verifySnapshot(f.path, f.zxid, this.fs))) continue;
      return { zxid: f.zxid, path: f.path, chunks: () => readChunks(f.path, f.zxid, this.fs) };
    }
    return undefined;
  }

  /**
   * Delete snapshots newer than `zxid` (for ZAB TRUNC: they may hold txns the log just dropped).
   * Resolves to the deleted paths.
   */
  async removeNewerThan(zxid: number): Promise<string[]> {
    const doomed = (await this.list()).filter((f) => f.zxid > zxid);
    for (const f of doomed) await unlinkIfExists(f.path, this.fs);
    this.fs.crashPoint('purge.unlinked');
    if (doomed.length && this.doSync) await this.fs.fsyncDir(this.dir);
    return doomed.map((f) => f.path);
  }
}

/** Snapshot files in `dir` by name, oldest first. */
export async function listSnapshots(
  dir: string,
  fs: FileSystem = storageFileSystem(),
): Promise<SnapshotFile[]> {
  const out: SnapshotFile[] = [];
  for (const name of await fs.readdir(dir)) {
    const zxid = parseZxidName(name, SNAPSHOT_PREFIX);
    if (zxid === undefined) continue;
    const path = join(dir, name);
    out.push({ zxid, path, bytes: await fs.size(path) });
  }
  return out.sort((a, b) => a.zxid - b.zxid);
}

/**
 * Cheap completeness check (header and trailer only, no CRC pass): tells a finished snapshot from
 * one cut short. Used by purge, which must not read every retained snapshot in full.
 */
export async function looksComplete(path: string, fs: FileSystem = storageFileSystem()): Promise<boolean> {
  const fh = await fs.open(path, 'r');
  try {
    const size = await fh.size();
    if (size < HEADER_BYTES + TRAILER_BYTES) return false;
    const head = Buffer.alloc(8);
    const tail = Buffer.alloc(TRAILER_BYTES);
    await fh.read(head, 0, 8, 0);
    await fh.read(tail, 0, TRAILER_BYTES, size - TRAILER_BYTES);
    return (
      head.readUInt32BE(0) === MAGIC &&
      head.readUInt32BE(4) === VERSION &&
      tail.readUInt32BE(0) === END_MARKER &&
      tail.readUInt32BE(8) === TRAILER_MAGIC
    );
  } finally {
    await fh.close();
  }
}

async function verifySnapshot(path: string, zxid: number, fs: FileSystem): Promise<boolean> {
  try {
    for await (const _ of readChunks(path, zxid, fs)) void _;
    return true;
  } catch (e) {
    if (e instanceof DataCorruptionError) return false;
    throw e;
  }
}

/** Stream the chunks of a snapshot, throwing DataCorruptionError on any framing or CRC problem. */
async function* readChunks(path: string, zxid: number, fs: FileSystem): AsyncGenerator<Buffer> {
  const fh = await fs.open(path, 'r');
  try {
    const size = await fh.size();
    const r = new ChunkedReader(fh, size);
    const bad = (why: string, at: number) =>
      new DataCorruptionError(`${path}: ${why} at offset ${at}`, path, at);
    const h = await r.get(0, HEADER_BYTES);
    if (!h) throw bad('truncated header', 0);
    if (h.readUInt32BE(0) !== MAGIC) throw bad('bad magic', 0);
    if (h.readUInt32BE(4) !== VERSION) throw bad(`unsupported version ${h.readUInt32BE(4)}`, 4);
    if (h.readUInt32BE(8) * TWO_32 + h.readUInt32BE(12) !== zxid)
      throw bad('zxid does not match file name', 8);
    let crc = crc32(h);
    let pos = HEADER_BYTES;
    for (;;) {
      const l = await r.get(pos, 4);
      if (!l) throw bad('truncated (no end marker)', pos);
      const len = l.readUInt32BE(0);
      crc = crc32(l, crc);
      if (len === END_MARKER) break;
      const body = await r.get(pos + 4, len);
      if (!body) throw bad('truncated chunk', pos);
      crc = crc32(body, crc);
      pos += 4 + len;
      yield Buffer.from(body);
    }
    pos += 4;
    const t = await r.get(pos, 8);
    if (!t) throw bad('truncated trailer', pos);
    if (t.readUInt32BE(4) !== TRAILER_MAGIC) throw bad('bad trailer magic', pos + 4);
    if (t.readUInt32BE(0) !== crc) throw bad('crc mismatch', pos);
    if (pos + 8 !== size) throw bad('trailing bytes after trailer', pos + 8);
  } finally {
    await fh.close();
  }
}

/** Gathers small writes into large ones and keeps a running CRC of everything written. */
class BufferedWriter {
  crc = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pos = 0;

  constructor(private readonly fh: StorageFile) {}

  async write(b: Buffer): Promise<void> {
    this.crc = crc32(b, this.crc);
    // Copy: the caller may reuse or mutate its chunk buffer once we return.
    this.pending.push(b.length >= WRITE_BUFFER_BYTES ? b : Buffer.from(b));
    this.pendingBytes += b.length;
    if (this.pendingBytes >= WRITE_BUFFER_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.pendingBytes) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await this.fh.write(buf, 0, buf.length, this.pos);
    this.pos += buf.length;
  }
}
