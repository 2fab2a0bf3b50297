/**
 * Append-only transaction log: CRC-framed entries in rolling segment files, group-committed fsync.
 *
 * The file format is described in log-format.ts. This class knows zxids and payload bytes only;
 * the server encodes txns (tree/txn-codec.ts) before handing them over.
 *
 * Durability contract: `append()` resolves only after the entry's bytes and (for a new segment)
 * its directory entry are fsynced. Writes are group-committed the way ZooKeeper's SyncRequestProcessor
 * does it, without a timer: the first append starts a flush; appends that arrive while a write+fsync
 * is in flight queue up and the next flush writes them all with one write and one fsync.
 *
 * Recovery contract (`open`): every segment is validated. A damaged TAIL of the newest segment is
 * what a crash mid-write leaves behind; it was never acknowledged, so it is cut off. Damage anywhere
 * else (an older segment, or a bad entry followed by valid ones) cannot come from a crash of this
 * code and means acknowledged data is lost: `open` throws DataCorruptionError and the member must
 * not start (or must be re-synced from a peer).
 *
 * After a restart the first append starts a new segment; a segment that had a torn tail is never
 * written again.
 */
import { join, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DataCorruptionError, LogUnavailableError, StorageError, ZxidOrderError } from './errors.js';
import { storageFileSystem, type FileSystem, type StorageFile } from './file-system.js';
import { parseZxidName, unlinkIfExists, zxidHex } from './fs-util.js';
import {
  ChunkedReader,
  ENTRY_HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  SEGMENT_HEADER_BYTES,
  SEGMENT_PREFIX,
  checkSegmentHeader,
  encodeEntryInto,
  encodeSegmentHeader,
  parseEntryAt,
  validEntryFollows,
} from './log-format.js';

/** Options of {@link TxnLog.open}. */
export interface TxnLogOptions {
  /** fsync before acknowledging (default true). false is for tests and benchmarks only. */
  fsync?: boolean;
  /** Start a new segment once the current one reaches this size (default 64 MiB). */
  segmentBytes?: number;
  /**
   * Grow segment files ahead of the write position (sparse, like ZooKeeper's preAllocSize) so that
   * most fsyncs do not also have to persist a new file size (default false).
   */
  preallocate?: boolean;
  /** Preallocation step when `preallocate` is on (default 64 MiB). */
  preallocateBytes?: number;
  /** Largest batch written by one write call (default 16 MiB); a burst beyond it takes several. */
  maxBatchBytes?: number;
  /** Where the segments live (default: the process's storage filesystem, node:fs in production). */
  fs?: FileSystem;
  /**
   * PLANTED BUG for the chaos suite (REGISTRAR_PLANTED_BUGS=skip-fsync-before-ack): appends resolve
   * as soon as their bytes are written, before the fsync that makes them durable. Never set otherwise.
   */
  unsafeAckBeforeFsync?: boolean;
}

/** Called after each group-committed fsync with its duration and how many entries it covered. */
export type FsyncObserver = (ms: number, entries: number) => void;

/** Counters for metrics. */
export interface TxnLogStats {
  /** fsync (fdatasync) calls made for appends. */
  fsyncs: number;
  /** Entries made durable. */
  entries: number;
  /** Bytes written for entries (framing included). */
  bytes: number;
  /** Duration of the most recent fsync, milliseconds. */
  lastFsyncMs: number;
  /** Largest number of entries that shared one fsync. */
  maxBatchEntries: number;
}

/** One segment file as seen by the log. */
export interface SegmentInfo {
  path: string;
  /** Zxid in the file name: the first entry's zxid. */
  firstZxid: number;
  /** Zxid of the last durable entry in the segment. */
  lastZxid: number;
  /** Byte offset just past the last durable entry. */
  end: number;
}

/** An entry read back from the log. */
export interface LogEntry {
  zxid: number;
  payload: Buffer;
}

/** Planted bug switched on for the whole process by {@link plantAckBeforeFsync}. */
let plantedAckBeforeFsync = false;

/**
 * PLANTED BUG for the chaos suite: every TxnLog opened afterwards acknowledges appends before
 * fsyncing them (REGISTRAR_PLANTED_BUGS=skip-fsync-before-ack, set by the coordinator's main).
 */
export function plantAckBeforeFsync(on: boolean): void {
  plantedAckBeforeFsync = on;
}

/** Logs open in this process, by resolved directory (see TxnLog.openIn). */
const openLogs = new Map<string, TxnLog>();

const ignore = (): void => undefined;

type EntryOp = {
  kind: 'entry';
  zxid: number;
  payload: Buffer;
  resolve: () => void;
  reject: (e: unknown) => void;
};
type ControlOp = {
  kind: 'control';
  run: () => Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
};
type Op = EntryOp | ControlOp;

interface OpenSegment {
  seg: SegmentInfo;
  fh: StorageFile;
  /** Current file size including preallocated zeros. */
  allocated: number;
}

/**
 * The transaction log of one member.
 *
 * @example
 * const log = await TxnLog.open('/data/version-2');
 * await log.append(0x100000001, encodedTxn); // durable when this resolves
 * for await (const { zxid, payload } of log.read(snapshotZxid)) tree.apply(decode(payload));
 * await log.close();
 */
export class TxnLog {
  /** Live counters; read-only for callers. */
  /** Set by the owner (metrics); not part of the log's correctness. */
  onFsync?: FsyncObserver;
  /** Told the number of entries of every batch written, fsynced or not (forceSync=no). */
  onBatch?: (entries: number) => void;
  readonly stats: TxnLogStats = { fsyncs: 0, entries: 0, bytes: 0, lastFsyncMs: 0, maxBatchEntries: 0 };

  private readonly segs: SegmentInfo[];
  private current: OpenSegment | undefined;
  private queue: Op[] = [];
  private draining = false;
  private lastAccepted: number;
  private durable: number;
  private failure: unknown;
  private closed = false;
  private readonly doSync: boolean;
  private readonly segmentBytes: number;
  private readonly preallocBytes: number;
  private readonly maxBatchBytes: number;
  private readonly ackBeforeFsync: boolean;
  /** The filesystem the segments live on. */
  readonly fs: FileSystem;

  private constructor(
    /** Directory holding the segments. */
    readonly dir: string,
    segs: SegmentInfo[],
    opts: TxnLogOptions,
  ) {
    this.segs = segs;
    this.lastAccepted = this.durable = segs.length ? segs[segs.length - 1]!.lastZxid : 0;
    this.doSync = opts.fsync ?? true;
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.preallocBytes = opts.preallocate ? (opts.preallocateBytes ?? 64 * 1024 * 1024) : 0;
    this.maxBatchBytes = opts.maxBatchBytes ?? 16 * 1024 * 1024;
    this.ackBeforeFsync = opts.unsafeAckBeforeFsync ?? plantedAckBeforeFsync;
    this.fs = opts.fs ?? storageFileSystem();
  }

  /**
   * Open (creating if needed) the log in `dir`, validating every segment and cutting off a torn
   * tail of the newest one.
   *
   * @throws DataCorruptionError when damage is found that a crash cannot explain.
   */
  static async open(dir: string, opts: TxnLogOptions = {}): Promise<TxnLog> {
    const fs = opts.fs ?? storageFileSystem();
    await fs.mkdir(dir);
    const segs = await recoverSegments(dir, opts.fsync ?? true, fs);
    const log = new TxnLog(dir, segs, opts);
    openLogs.set(resolvePath(dir), log);
    return log;
  }

  /**
   * The TxnLog this process has open on `dir`, if any. purgeOld uses it so segments are deleted
   * through the log (keeping its segment list right) rather than behind its back.
   */
  static openIn(dir: string): TxnLog | undefined {
    return openLogs.get(resolvePath(dir));
  }

  /** Highest zxid accepted by `append` (durable once that append resolves); 0 when empty. */
  get lastZxid(): number {
    return this.lastAccepted;
  }

  /** Highest zxid known to be durable. */
  get durableZxid(): number {
    return this.durable;
  }

  /**
   * Zxid of the oldest entry still in the log (0 when empty). With `lastZxid` this bounds what
   * `read()` can serve, e.g. whether ZAB can sync a peer with a DIFF or must send a snapshot.
   */
  get firstZxid(): number {
    return this.segs.length ? this.segs[0]!.firstZxid : 0;
  }

  /** A copy of the segment list, oldest first. */
  segments(): SegmentInfo[] {
    return this.segs.map((s) => ({ ...s }));
  }

  /**
   * Append one entry. Zxids must be strictly increasing across calls (else the promise rejects with
   * ZxidOrderError). Resolves once the entry is durable. The payload is copied at flush time, so do
   * not mutate it before the promise settles.
   */
  append(zxid: number, payload: Buffer): Promise<void> {
    return this.appendAll([{ zxid, data: payload }]);
  }

  /**
   * Append `entries` (in zxid order) as {@link append} does each, with one promise for all: it
   * resolves once the last is durable (the log makes entries durable in order), and rejects, with
   * nothing of them accepted, if any is invalid. A leader appends every proposal of a turn this way:
   * one settlement per group commit instead of one per txn.
   */
  appendAll(entries: readonly { zxid: number; data: Buffer }[]): Promise<void> {
    const unavailable = this.unavailable();
    if (unavailable) return Promise.reject(unavailable);
    let last = this.lastAccepted;
    for (const e of entries) {
      const err = this.invalidAppend(e.zxid, e.data, last);
      if (err) return Promise.reject(err);
      last = e.zxid;
    }
    if (entries.length === 0) return Promise.resolve();
    this.lastAccepted = last;
    return new Promise<void>((resolve, reject) => {
      const lastIndex = entries.length - 1;
      entries.forEach(({ zxid, data }, i) => {
        // Settled through the last entry: a failure rejects it too (fail() rejects all queued ops).
        const settles = i === lastIndex;
        this.queue.push({
          kind: 'entry',
          zxid,
          payload: data,
          resolve: settles ? resolve : ignore,
          reject: settles ? reject : ignore,
        });
      });
      this.kick();
    });
  }

  /**
   * Entries with zxid > `fromZxid`, in order, across segments. Yields what is durable when the
   * iteration reaches each segment; entries appended later are not included (call again from the
   * last zxid seen to continue). Throws DataCorruptionError if a file went bad since open.
   */
  async *read(fromZxid: number): AsyncGenerator<LogEntry> {
    const segs = this.segments();
    // Segments before the last one starting at or below fromZxid+1 hold only zxids <= fromZxid.
    let start = 0;
    for (let i = 0; i < segs.length; i++) if (segs[i]!.firstZxid <= fromZxid + 1) start = i;
    let prev = 0;
    for (let i = start; i < segs.length; i++) {
      const live = this.segs.find((s) => s.path === segs[i]!.path);
      const end = live ? live.end : segs[i]!.end;
      const fh = await this.fs.open(segs[i]!.path, 'r');
      try {
        const r = new ChunkedReader(fh, end);
        let pos = SEGMENT_HEADER_BYTES;
        for (;;) {
          const e = await parseEntryAt(r, pos, prev);
          if (!e.ok) {
            if (e.eof && pos === end) break;
            throw new DataCorruptionError(
              `${segs[i]!.path}: ${e.reason} at offset ${pos}`,
              segs[i]!.path,
              pos,
            );
          }
          prev = e.zxid;
          pos = e.next;
          if (e.zxid > fromZxid) yield { zxid: e.zxid, payload: e.payload };
        }
      } finally {
        await fh.close();
      }
    }
  }

  /**
   * Drop every entry with zxid > `zxid`, durably (ZAB TRUNC). Ordered after appends already made.
   * Newer segments are deleted before the segment holding the cut is shortened, so a crash midway
   * still leaves a contiguous prefix.
   */
  truncateAfter(zxid: number): Promise<void> {
    const unavailable = this.unavailable();
    if (unavailable) return Promise.reject(unavailable);
    if (zxid < this.lastAccepted) this.lastAccepted = zxid;
    return this.control(async () => {
      const actual = await this.doTruncate(zxid);
      // Only lower to the real last entry if nothing was appended after this truncate was queued.
      if (this.lastAccepted === zxid) this.lastAccepted = actual;
      this.durable = Math.min(this.durable, actual);
    });
  }

  /** Finish the current segment; the next append starts a new one (done when a snapshot starts). */
  roll(): Promise<void> {
    const unavailable = this.unavailable();
    if (unavailable) return Promise.reject(unavailable);
    return this.control(() => this.finishCurrent());
  }

  /**
   * Delete segments not needed to replay entries after `keepFromZxid`: keep the newest segment whose
   * first zxid is <= keepFromZxid and every later one (ZooKeeper's PurgeTxnLog rule). The segment
   * being written is never deleted. Resolves to the deleted paths.
   */
  purge(keepFromZxid: number): Promise<string[]> {
    const unavailable = this.unavailable();
    if (unavailable) return Promise.reject(unavailable);
    const deleted: string[] = [];
    return this.control(async () => {
      let keep = 0;
      for (let i = 0; i < this.segs.length; i++) if (this.segs[i]!.firstZxid <= keepFromZxid) keep = i;
      const doomed = this.segs.slice(0, keep).filter((s) => s !== this.current?.seg);
      for (const s of doomed) {
        await unlinkIfExists(s.path, this.fs);
        this.segs.splice(this.segs.indexOf(s), 1);
        deleted.push(s.path);
      }
      this.fs.crashPoint('purge.unlinked');
      if (doomed.length && this.doSync) await this.fs.fsyncDir(this.dir);
    }).then(() => deleted);
  }

  /** Flush pending appends, close the current segment and refuse further writes. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (openLogs.get(resolvePath(this.dir)) === this) openLogs.delete(resolvePath(this.dir));
    const done = this.failure ? Promise.resolve() : this.control(() => this.finishCurrent());
    this.closed = true;
    try {
      await done;
    } finally {
      if (this.current) {
        await this.current.fh.close().catch(() => undefined);
        this.current = undefined;
      }
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  private invalidAppend(zxid: number, payload: Buffer, after: number): StorageError | undefined {
    if (!Number.isSafeInteger(zxid) || zxid <= 0) return new StorageError(`invalid zxid ${zxid}`);
    if (zxid <= after) return new ZxidOrderError(zxid, after);
    if (payload.length > MAX_PAYLOAD_BYTES) {
      return new StorageError(`payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
    }
    return undefined;
  }

  private unavailable(): Error | undefined {
    if (this.failure)
      return new LogUnavailableError('transaction log failed earlier; restart to recover', this.failure);
    if (this.closed) return new LogUnavailableError('transaction log is closed');
    return undefined;
  }

  private control(run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'control', run, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    // A microtask lets a synchronous burst of appends land in the queue before the first write.
    queueMicrotask(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const head = this.queue[0]!;
      if (head.kind === 'control') {
        this.queue.shift();
        try {
          await head.run();
          head.resolve();
        } catch (e) {
          this.fail(e);
          head.reject(e);
        }
        continue;
      }
      const batch = this.takeBatch();
      try {
        await this.writeBatch(
          batch,
          this.ackBeforeFsync ? () => batch.forEach((op) => op.resolve()) : undefined,
        );
      } catch (e) {
        this.fail(e);
        for (const op of batch) op.reject(e);
        continue;
      }
      for (const op of batch) op.resolve();
    }
    this.draining = false;
  }

  /** Consecutive entry ops from the queue head, up to maxBatchBytes (at least one). */
  private takeBatch(): EntryOp[] {
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length) {
      const op = this.queue[n]!;
      if (op.kind !== 'entry') break;
      const size = ENTRY_HEADER_BYTES + op.payload.length;
      if (n > 0 && bytes + size > this.maxBatchBytes) break;
      bytes += size;
      n++;
    }
    return this.queue.splice(0, n) as EntryOp[];
  }

  /** After a failed write or fsync nothing more may be acknowledged (see LogUnavailableError). */
  private fail(e: unknown): void {
    if (this.failure) return;
    this.failure = e;
    const pending = this.queue.splice(0);
    const err = new LogUnavailableError('transaction log write failed; restart to recover', e);
    for (const op of pending) op.reject(err);
  }

  /** `onWritten` (planted bug only) runs once the batch is written and before it is fsynced. */
  private async writeBatch(batch: EntryOp[], onWritten?: () => void): Promise<void> {
    if (this.current && this.current.seg.end >= this.segmentBytes) await this.finishCurrent();
    let newSegment = false;
    if (!this.current) {
      const firstZxid = batch[0]!.zxid;
      const path = join(this.dir, SEGMENT_PREFIX + zxidHex(firstZxid));
      // 'wx': a name clash would mean two segments claim the same first zxid, a bug to surface.
      const fh = await this.fs.open(path, 'wx+');
      this.current = { fh, allocated: 0, seg: { path, firstZxid, lastZxid: 0, end: 0 } };
      newSegment = true;
    }
    const cur = this.current;
    let size = newSegment ? SEGMENT_HEADER_BYTES : 0;
    for (const op of batch) size += ENTRY_HEADER_BYTES + op.payload.length;
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    if (newSegment) at = encodeSegmentHeader().copy(buf, 0);
    for (const op of batch) at = encodeEntryInto(buf, at, op.zxid, op.payload);

    const writeAt = cur.seg.end;
    if (this.preallocBytes && writeAt + size > cur.allocated) {
      const target = Math.ceil((writeAt + size) / this.preallocBytes) * this.preallocBytes;
      await cur.fh.truncate(target);
      cur.allocated = target;
    }
    let written = 0;
    while (written < size) {
      // A synchronous write only copies into the page cache (microseconds for a batch); doing it
      // inline saves a threadpool round trip per batch, which bounds write throughput. The fsync
      // below, which does wait for the disk, stays asynchronous.
      const bytesWritten = cur.fh.writeSync(buf, written, size - written, writeAt + written);
      written += bytesWritten;
    }
    this.fs.crashPoint('log.written');
    onWritten?.();
    if (this.doSync) {
      const t0 = performance.now();
      await cur.fh.datasync();
      this.stats.lastFsyncMs = performance.now() - t0;
      this.stats.fsyncs++;
      this.onFsync?.(this.stats.lastFsyncMs, batch.length);
      if (newSegment) {
        this.fs.crashPoint('log.segment-created');
        await this.fs.fsyncDir(this.dir);
      }
    }
    if (newSegment) this.segs.push(cur.seg);
    cur.seg.end = writeAt + size;
    if (!this.preallocBytes) cur.allocated = cur.seg.end;
    cur.seg.lastZxid = batch[batch.length - 1]!.zxid;
    this.durable = cur.seg.lastZxid;
    this.stats.entries += batch.length;
    this.stats.bytes += size;
    if (batch.length > this.stats.maxBatchEntries) this.stats.maxBatchEntries = batch.length;
    this.onBatch?.(batch.length);
  }

  /** Close the current segment, cutting preallocated space so older segments end exactly at data. */
  private async finishCurrent(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    try {
      if (cur.allocated > cur.seg.end) {
        await cur.fh.truncate(cur.seg.end);
        if (this.doSync) await cur.fh.sync();
      }
    } finally {
      await cur.fh.close();
    }
  }

  /** Returns the zxid of the last entry left. */
  private async doTruncate(zxid: number): Promise<number> {
    let unlinked = false;
    while (this.segs.length && this.segs[this.segs.length - 1]!.firstZxid > zxid) {
      const s = this.segs.pop()!;
      if (this.current?.seg === s) {
        await this.current.fh.close();
        this.current = undefined;
      }
      await unlinkIfExists(s.path, this.fs);
      unlinked = true;
    }
    if (unlinked) this.fs.crashPoint('truncate.unlinked');
    if (unlinked && this.doSync) await this.fs.fsyncDir(this.dir);
    const s = this.segs[this.segs.length - 1];
    if (!s) return 0;
    if (s.lastZxid <= zxid) return s.lastZxid;

    // Find the byte offset just past the last entry <= zxid.
    const fh = this.current?.seg === s ? this.current.fh : await this.fs.open(s.path, 'r+');
    try {
      const r = new ChunkedReader(fh, s.end);
      let pos = SEGMENT_HEADER_BYTES;
      let prev = 0;
      for (;;) {
        const e = await parseEntryAt(r, pos, prev);
        if (!e.ok)
          throw new DataCorruptionError(
            `${s.path}: ${e.reason} at offset ${pos} while truncating`,
            s.path,
            pos,
          );
        if (e.zxid > zxid) break;
        prev = e.zxid;
        pos = e.next;
      }
      await fh.truncate(pos);
      this.fs.crashPoint('truncate.shortened');
      if (this.doSync) await fh.sync();
      s.end = pos;
      s.lastZxid = prev;
      if (this.current?.seg === s) this.current.allocated = pos;
      return prev;
    } finally {
      if (this.current?.seg !== s) await fh.close();
    }
  }
}

/** Scan and validate all segments in `dir`; repair a torn tail of the newest one. */
async function recoverSegments(dir: string, doSync: boolean, fs: FileSystem): Promise<SegmentInfo[]> {
  const names = (await fs.readdir(dir))
    .map((name) => ({ name, zxid: parseZxidName(name, SEGMENT_PREFIX) }))
    .filter((x): x is { name: string; zxid: number } => x.zxid !== undefined)
    .sort((a, b) => a.zxid - b.zxid);
  const segs: SegmentInfo[] = [];
  let prev = 0;
  for (let i = 0; i < names.length; i++) {
    const path = join(dir, names[i]!.name);
    const isLast = i === names.length - 1;
    const result = await scanSegment(path, names[i]!.zxid, prev, isLast, fs);
    if (result === 'empty') {
      // Newest segment created but its first write never completed: nothing in it was acknowledged.
      await unlinkIfExists(path, fs);
      if (doSync) await fs.fsyncDir(dir);
      continue;
    }
    if (result.truncateTo !== undefined) {
      const fh = await fs.open(path, 'r+');
      try {
        await fh.truncate(result.truncateTo);
        if (doSync) await fh.sync();
      } finally {
        await fh.close();
      }
    }
    if (result.seg.lastZxid === 0) {
      // No entries survived (first write torn, or only a header): the file holds nothing.
      await unlinkIfExists(path, fs);
      if (doSync) await fs.fsyncDir(dir);
      continue;
    }
    segs.push(result.seg);
    prev = result.seg.lastZxid;
  }
  return segs;
}

async function scanSegment(
  path: string,
  nameZxid: number,
  prevZxid: number,
  isLast: boolean,
  fs: FileSystem,
): Promise<'empty' | { seg: SegmentInfo; truncateTo?: number }> {
  const size = await fs.size(path);
  const fh = await fs.open(path, 'r');
  try {
    const r = new ChunkedReader(fh, size);
    const header = (await r.get(0, Math.min(size, SEGMENT_HEADER_BYTES)))!;
    const bad = checkSegmentHeader(header);
    if (bad) {
      // A crash can leave the newest file short or zero-filled, never with foreign bytes in it.
      if (isLast && (size < SEGMENT_HEADER_BYTES || header.every((b) => b === 0))) {
        const rest = size > SEGMENT_HEADER_BYTES ? await r.get(0, size) : undefined;
        if (!rest || !validEntryFollows(rest, SEGMENT_HEADER_BYTES, prevZxid)) return 'empty';
      }
      throw new DataCorruptionError(`${path}: ${bad}; refusing to start`, path, 0);
    }
    const seg: SegmentInfo = { path, firstZxid: nameZxid, lastZxid: 0, end: SEGMENT_HEADER_BYTES };
    let pos = SEGMENT_HEADER_BYTES;
    let prev = prevZxid;
    for (;;) {
      const e = await parseEntryAt(r, pos, prev);
      if (e.ok) {
        if (seg.lastZxid === 0 && e.zxid !== nameZxid) {
          throw new DataCorruptionError(
            `${path}: first entry has zxid 0x${e.zxid.toString(16)}, file name says 0x${nameZxid.toString(16)}; refusing to start`,
            path,
            pos,
          );
        }
        seg.lastZxid = e.zxid;
        prev = e.zxid;
        pos = seg.end = e.next;
        continue;
      }
      // Clean end, or zeroed preallocated space with nothing valid after it.
      const tail = e.offset < size ? await r.get(e.offset, size - e.offset) : undefined;
      const followed = tail ? validEntryFollows(tail, e.eof ? 0 : 1, prev) : false;
      if (e.eof && !followed) return { seg, truncateTo: isLast && size > pos ? pos : undefined };
      if (!isLast || followed) {
        throw new DataCorruptionError(
          `${path}: ${e.reason} at offset ${e.offset}` +
            (followed ? ' followed by valid entries' : ' in a segment that is not the newest') +
            '; acknowledged transactions may be damaged, refusing to start',
          path,
          e.offset,
        );
      }
      // Torn tail of the newest segment: the crash interrupted the last write; it was never acked.
      return { seg, truncateTo: pos };
    }
  } finally {
    await fh.close();
  }
}
