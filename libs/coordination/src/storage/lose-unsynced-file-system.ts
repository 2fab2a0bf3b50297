/**
 * TEST ONLY. A {@link FileSystem} that behaves like a disk whose page cache is lost on a crash: the
 * real files hold exactly what was made durable, and everything written since (data written but not
 * fsynced; creates, renames and unlinks not followed by an fsync of their directory) lives only in
 * this process's memory. A kill -9 of the process is therefore a power loss, which a real kill -9
 * (the kernel keeps the page cache) never is. LazyFS and ALICE do the same below a filesystem.
 *
 * The model, per POSIX rather than per ext4's kinder ordering:
 * - a file's content is durable up to its last fsync/fdatasync (both persist everything here);
 * - a name is durable once its directory is fsynced; a new file whose directory was never fsynced
 *   is gone after a crash even if the file itself was fsynced (the classic torn rename);
 * - a rename or unlink not followed by a directory fsync is undone by a crash;
 * - directories themselves are made durable by `mkdir` (the node implementation fsyncs the parent).
 *
 * Each file is an inode: a durable base (the real file, or, for a file that has no durable name
 * yet, an image in memory) plus the writes and truncates made since its last fsync, replayed over
 * the base on every read. Renames must stay within one directory (all storage does); directories
 * are reconciled with the disk only in `fsyncDir`.
 *
 * Crash points: {@link FileSystem.crashPoint} names a moment inside a multi-step durable write; when
 * the name is armed the filesystem "loses power" there with the configured probability (by default
 * it writes one line to stderr and SIGKILLs its own process: what is on disk is what a power loss
 * would have left).
 */
import { existsSync, writeSync } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fsError, nodeFileSystem, type FileSystem, type OpenMode, type StorageFile } from './file-system.js';

/** Every crash point the storage code names (see the modules that call `crashPoint`). */
export const CRASH_POINTS = [
  /** snapshot: the tmp file is written and fsynced, not yet renamed into place */
  'snapshot.written',
  /** snapshot: renamed into place, directory not yet fsynced */
  'snapshot.renamed',
  /** atomic small file (epoch files): tmp written and fsynced, not renamed */
  'atomic-file.written',
  /** atomic small file: renamed, directory not fsynced */
  'atomic-file.renamed',
  /** log truncation: newer segments unlinked, directory not fsynced */
  'truncate.unlinked',
  /** log truncation: the segment holding the cut is shortened, not fsynced */
  'truncate.shortened',
  /** log append: a batch is written, not yet fsynced */
  'log.written',
  /** log: a new segment's first batch is fsynced, its directory entry not yet */
  'log.segment-created',
  /** purge / removal of snapshots and segments: unlinked, directory not fsynced */
  'purge.unlinked',
] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

export interface LoseUnsyncedOptions {
  /** Crash points that may fire; none by default. */
  crashPoints?: readonly string[];
  /** Chance that an armed point fires when reached (default 1). */
  crashProbability?: number;
  /**
   * Points fire only while this file exists (checked when a point is reached), so a harness can arm
   * them for its faulted phase and disarm them before its final checks.
   */
  armFile?: string;
  /**
   * Every file fsync takes at least this long (a slow disk), default 0. It widens the window in which
   * data is written but not durable, so code that acknowledges before its fsync returns is caught.
   */
  syncDelayMs?: number;
  /** Random numbers in [0, 1) for the crash points (default Math.random: chaos runs are not replayed). */
  random?: () => number;
  /** What losing power means; default: one line on stderr, then SIGKILL of this process. */
  onCrash?: (point: string) => never;
}

/** Parses REGISTRAR_TEST_CRASH_POINTS: `name[,name...][@probability]`, `all` for every point. */
export function parseCrashPoints(value: string | undefined): { points: string[]; probability: number } {
  if (value === undefined || value.trim() === '') return { points: [], probability: 1 };
  const [list, p] = value.split('@', 2);
  const probability = p === undefined ? 1 : Number(p);
  if (!(probability > 0 && probability <= 1)) {
    throw new RangeError(`REGISTRAR_TEST_CRASH_POINTS: probability must be in (0, 1], got "${p}"`);
  }
  const names = list!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const points = names.includes('all') ? [...CRASH_POINTS] : names;
  for (const n of points) {
    if (!(CRASH_POINTS as readonly string[]).includes(n)) {
      throw new RangeError(
        `REGISTRAR_TEST_CRASH_POINTS: unknown crash point "${n}" (known: ${CRASH_POINTS.join(', ')})`,
      );
    }
  }
  return { points, probability };
}

function powerLoss(point: string): never {
  // Synchronous on purpose: the line must be in the member's log before the process is gone.
  writeSync(2, `SIMULATED POWER LOSS at crash point ${point} (REGISTRAR_TEST_CRASH_POINTS)\n`);
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is not delivered synchronously everywhere; never run on past the crash point.
  for (;;) writeSync(2, '');
}

/** Thrown by a {@link LoseUnsyncedFileSystem} after {@link LoseUnsyncedFileSystem.crash}. */
export class PowerLossError extends Error {
  override readonly name = 'PowerLossError';
  constructor() {
    super('simulated power loss: this filesystem instance is gone');
  }
}

type Op = { kind: 'write'; pos: number; data: Buffer } | { kind: 'truncate'; size: number };

/** File content held in memory: `size` bytes of which the first `filled` are materialized. */
class MemImage {
  private buf = Buffer.alloc(0);
  private filled = 0;
  size = 0;

  write(pos: number, data: Buffer): void {
    const end = pos + data.length;
    if (end > this.buf.length) {
      const next = Buffer.alloc(Math.max(end, this.buf.length * 2, 4096));
      this.buf.copy(next, 0, 0, this.filled);
      this.buf = next;
    }
    // Bytes between the old fill and pos must read as zeros (they may hold data cut by a truncate).
    if (pos > this.filled) this.buf.fill(0, this.filled, pos);
    data.copy(this.buf, pos);
    this.filled = Math.max(this.filled, end);
    this.size = Math.max(this.size, end);
  }

  truncate(size: number): void {
    if (size < this.filled) this.filled = size;
    this.size = size;
  }

  readInto(target: Buffer, pos: number): void {
    const end = Math.min(pos + target.length, this.filled);
    if (end > pos) this.buf.copy(target, 0, pos, end);
  }

  /** The materialized bytes (zeros after them up to `size` are implied). */
  materialized(): Buffer {
    return this.buf.subarray(0, Math.min(this.filled, this.size));
  }
}

let nextInodeId = 1;

class Inode {
  readonly id = nextInodeId++;
  /** Real path holding the durable content, when the inode has a durable name. */
  path: string | undefined;
  /** Durable content of an inode without a durable name (undefined: nothing durable, empty). */
  mem: MemImage | undefined;
  /** Size of the real file at `path` (the durable size). */
  baseSize = 0;
  /** Writes and truncates since the last fsync, in order. */
  ops: Op[] = [];
  opens = 0;

  get volatileSize(): number {
    let size = this.path !== undefined ? this.baseSize : (this.mem?.size ?? 0);
    for (const op of this.ops) size = op.kind === 'write' ? Math.max(size, op.pos + op.data.length) : op.size;
    return size;
  }

  async read(target: Buffer, pos: number): Promise<number> {
    const n = Math.max(0, Math.min(target.length, this.volatileSize - pos));
    const out = target.subarray(0, n);
    out.fill(0);
    if (n === 0) return 0;
    if (this.path !== undefined) {
      const fromBase = Math.min(n, this.baseSize - pos);
      if (fromBase > 0) {
        const fh = await open(this.path, 'r');
        try {
          let got = 0;
          while (got < fromBase) {
            const { bytesRead } = await fh.read(out, got, fromBase - got, pos + got);
            if (bytesRead === 0) break;
            got += bytesRead;
          }
        } finally {
          await fh.close();
        }
      }
    } else {
      this.mem?.readInto(out, pos);
    }
    for (const op of this.ops) {
      if (op.kind === 'truncate') {
        if (op.size < pos + n) out.fill(0, Math.max(0, op.size - pos));
        continue;
      }
      const from = Math.max(pos, op.pos);
      const to = Math.min(pos + n, op.pos + op.data.length);
      if (to > from) op.data.copy(out, from - pos, from - op.pos, to - op.pos);
    }
    return n;
  }

  /** fsync: replay the first `count` pending ops (those written before the fsync began) onto the base. */
  async sync(count = this.ops.length): Promise<void> {
    if (count === 0) return;
    const ops = this.ops.slice(0, count);
    this.ops = this.ops.slice(count);
    if (this.path === undefined) {
      const mem = (this.mem ??= new MemImage());
      for (const op of ops) {
        if (op.kind === 'write') mem.write(op.pos, op.data);
        else mem.truncate(op.size);
      }
      return;
    }
    const fh = await open(this.path, 'r+');
    try {
      let size = this.baseSize;
      for (const op of ops) {
        if (op.kind === 'truncate') {
          await fh.truncate(op.size);
          size = op.size;
          continue;
        }
        let done = 0;
        while (done < op.data.length) {
          const { bytesWritten } = await fh.write(op.data, done, op.data.length - done, op.pos + done);
          done += bytesWritten;
        }
        size = Math.max(size, op.pos + op.data.length);
      }
      await fh.datasync();
      this.baseSize = size;
    } finally {
      await fh.close();
    }
  }

  /** Moves the durable content into memory: the real file is about to be replaced or removed. */
  async detach(): Promise<void> {
    if (this.path === undefined) return;
    const mem = new MemImage();
    const fh = await open(this.path, 'r');
    try {
      const data = Buffer.alloc(this.baseSize);
      let got = 0;
      while (got < data.length) {
        const { bytesRead } = await fh.read(data, got, data.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      mem.write(0, data.subarray(0, got));
      mem.truncate(this.baseSize);
    } finally {
      await fh.close();
    }
    this.mem = mem;
    this.path = undefined;
  }
}

/** A directory entry in the volatile namespace: a file's inode, or a subdirectory. */
type Entry = Inode | 'dir';

class SimFile implements StorageFile {
  private closed = false;

  constructor(
    private readonly inode: Inode,
    private readonly writable: boolean,
    private readonly path: string,
    private readonly alive: () => void,
    private readonly syncDelayMs: number,
    private readonly exclusive: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {
    inode.opens++;
  }

  read(buffer: Buffer, offset: number, length: number, position: number): Promise<{ bytesRead: number }> {
    this.check(false);
    return this.inode
      .read(buffer.subarray(offset, offset + length), position)
      .then((bytesRead) => ({ bytesRead }));
  }

  async write(buffer: Buffer, offset: number, length: number, position: number): Promise<void> {
    this.writeSync(buffer, offset, length, position);
  }

  writeSync(buffer: Buffer, offset: number, length: number, position: number): number {
    this.check(true);
    // Copy: the caller may reuse its buffer once the call returns, as it may with a real write.
    this.inode.ops.push({
      kind: 'write',
      pos: position,
      data: Buffer.from(buffer.subarray(offset, offset + length)),
    });
    return length;
  }

  async truncate(length: number): Promise<void> {
    this.check(true);
    this.inode.ops.push({ kind: 'truncate', size: length });
  }

  async sync(): Promise<void> {
    this.check(false);
    // What an fsync covers is what was written before it was called.
    const count = this.inode.ops.length;
    if (this.syncDelayMs > 0) {
      await new Promise((r) => setTimeout(r, this.syncDelayMs));
      this.alive();
    }
    await this.exclusive(() => this.inode.sync(count));
  }

  datasync(): Promise<void> {
    return this.sync();
  }

  async size(): Promise<number> {
    this.check(false);
    return this.inode.volatileSize;
  }

  async close(): Promise<void> {
    // Closing after a power loss is a no-op, so that `finally { close() }` does not mask the loss.
    if (this.closed) return;
    this.closed = true;
    this.inode.opens--;
  }

  private check(write: boolean): void {
    this.alive();
    if (this.closed) throw fsError('EBADF', write ? 'write' : 'read', this.path);
    if (write && !this.writable) throw fsError('EBADF', 'write', this.path);
  }
}

/**
 * The crash-simulating filesystem. One instance per process; a "crash" in a unit test is dropping
 * the instance and opening a new one over the same directories.
 *
 * @example
 * const fs = new LoseUnsyncedFileSystem();
 * const log = await TxnLog.open(dir, { fs });
 * // ... appends; then, as if the power went: a fresh instance sees only what was durable
 * const after = await TxnLog.open(dir, { fs: new LoseUnsyncedFileSystem() });
 */
export class LoseUnsyncedFileSystem implements FileSystem {
  readonly name = 'lose-unsynced';
  /** Volatile namespace of every directory touched so far. */
  private readonly dirs = new Map<string, Map<string, Entry>>();
  private readonly armed: ReadonlySet<string>;
  private readonly probability: number;
  private readonly armFile: string | undefined;
  private readonly syncDelayMs: number;
  private readonly random: () => number;
  private readonly onCrash: (point: string) => never;
  /** Crash points reached, by name (armed or not): tests and logs read it. */
  readonly reached = new Map<string, number>();
  private dead = false;

  constructor(opts: LoseUnsyncedOptions = {}) {
    this.armed = new Set(opts.crashPoints ?? []);
    this.probability = opts.crashProbability ?? 1;
    this.armFile = opts.armFile;
    this.syncDelayMs = opts.syncDelayMs ?? 0;
    this.random = opts.random ?? Math.random;
    this.onCrash = opts.onCrash ?? powerLoss;
  }

  async open(path: string, mode: OpenMode): Promise<StorageFile> {
    this.alive();
    const p = resolve(path);
    const dir = await this.dir(dirname(p));
    const name = basename(p);
    let entry = dir.get(name);
    if (entry === 'dir') throw fsError('EISDIR', 'open', p);
    if (mode === 'wx+' && entry) throw fsError('EEXIST', 'open', p);
    if (!entry) {
      if (mode === 'r' || mode === 'r+') throw fsError('ENOENT', 'open', p);
      entry = new Inode();
      this.known.add(entry);
      dir.set(name, entry);
    } else if (mode === 'w') {
      entry.ops.push({ kind: 'truncate', size: 0 });
    }
    return new SimFile(
      entry,
      mode !== 'r',
      p,
      () => this.alive(),
      this.syncDelayMs,
      (fn) => this.exclusive(fn),
    );
  }

  async readFile(path: string): Promise<Buffer> {
    const f = await this.open(path, 'r');
    try {
      const out = Buffer.alloc(await f.size());
      await f.read(out, 0, out.length, 0);
      return out;
    } finally {
      await f.close();
    }
  }

  async readdir(dir: string): Promise<string[]> {
    this.alive();
    return [...(await this.dir(resolve(dir))).keys()];
  }

  async size(path: string): Promise<number> {
    this.alive();
    return (await this.file(path, 'stat')).volatileSize;
  }

  async rename(from: string, to: string): Promise<void> {
    this.alive();
    const f = resolve(from);
    const t = resolve(to);
    if (dirname(f) !== dirname(t)) throw fsError('EXDEV', 'rename (crash simulation: one directory only)', f);
    const inode = await this.file(f, 'rename');
    const dir = await this.dir(dirname(f));
    if (dir.get(basename(t)) === 'dir') throw fsError('EISDIR', 'rename', t);
    dir.delete(basename(f));
    dir.set(basename(t), inode);
  }

  async unlink(path: string): Promise<void> {
    this.alive();
    const p = resolve(path);
    await this.file(p, 'unlink');
    (await this.dir(dirname(p))).delete(basename(p));
  }

  async mkdir(dir: string): Promise<void> {
    this.alive();
    // Directories are durable at once (the node implementation fsyncs the parents it extends).
    await nodeFileSystem.mkdir(dir);
    let d = resolve(dir);
    while (dirname(d) !== d) {
      const parent = this.dirs.get(dirname(d));
      if (parent && !parent.has(basename(d))) parent.set(basename(d), 'dir');
      d = dirname(d);
    }
  }

  /**
   * Makes the directory's volatile namespace its durable one: renames, creates and unlinks reach
   * the real directory, then it is fsynced.
   */
  async fsyncDir(dirPath: string): Promise<void> {
    this.alive();
    await this.exclusive(() => this.reconcile(resolve(dirPath)));
  }

  /**
   * Durable-state changes (a file's fsync, a directory's reconciliation) run one at a time: both
   * move an inode between "durable in memory" and "durable on disk", and interleaved they could lose
   * an fsync that landed in the middle (a file published empty while its content was being synced).
   */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.durableChain.then(fn, fn);
    this.durableChain = run.catch(() => undefined);
    return run;
  }

  private durableChain: Promise<unknown> = Promise.resolve();

  private async reconcile(d: string): Promise<void> {
    const dir = await this.dir(d);
    const real = new Set(await readdir(d));
    const owners = new Map<string, Inode>();
    for (const e of this.inodesIn(d)) if (e.path !== undefined) owners.set(e.path, e);
    const wanted = new Map<string, Inode>();
    for (const [name, e] of dir) if (e !== 'dir') wanted.set(join(d, name), e);

    // Files about to lose their real name keep their content if something still holds them.
    for (const [path, owner] of owners) {
      const stays = wanted.get(path) === owner;
      const moves = [...wanted.values()].includes(owner);
      if (!stays && !moves && owner.opens > 0) await owner.detach();
    }
    // Renames: one real rename each (atomic, as the real one is).
    for (const [path, inode] of wanted) {
      if (inode.path === undefined || inode.path === path) continue;
      this.alive();
      const occupant = owners.get(path);
      if (
        occupant &&
        occupant !== inode &&
        [...wanted.values()].includes(occupant) &&
        occupant.path === path
      ) {
        throw new Error(`crash simulation: rename chains in one fsyncDir are not supported (${path})`);
      }
      await rename(inode.path, path);
      owners.delete(inode.path);
      real.delete(basename(inode.path));
      inode.path = path;
      owners.set(path, inode);
      real.add(basename(path));
    }
    // New names: the durable content (what was fsynced, possibly nothing) appears atomically.
    for (const [path, inode] of wanted) {
      if (inode.path !== undefined) continue;
      this.alive();
      const tmp = `${path}.crashsim-new`;
      const fh = await open(tmp, 'w');
      try {
        const data = inode.mem?.materialized() ?? Buffer.alloc(0);
        await fh.write(data, 0, data.length, 0);
        await fh.truncate(inode.mem?.size ?? 0);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
      inode.path = path;
      inode.baseSize = inode.mem?.size ?? 0;
      inode.mem = undefined;
      owners.set(path, inode);
      real.add(basename(path));
    }
    // Names gone from the namespace.
    for (const name of real) {
      const path = join(d, name);
      if (wanted.has(path) || dir.get(name) === 'dir') continue;
      this.alive();
      const st = await stat(path).catch(() => undefined);
      if (!st || st.isDirectory()) continue;
      await unlink(path);
      const owner = owners.get(path);
      if (owner && owner.path === path) owner.path = undefined;
      if (owner) this.known.delete(owner);
    }
    await nodeFileSystem.fsyncDir(d);
  }

  crashPoint(name: string): void {
    this.alive();
    this.reached.set(name, (this.reached.get(name) ?? 0) + 1);
    if (!this.armed.has(name) || (this.armFile !== undefined && !existsSync(this.armFile))) return;
    if (this.random() < this.probability) this.onCrash(name);
  }

  /**
   * In-process power loss, for unit tests: from now on every call fails with PowerLossError and
   * nothing more reaches the disk (an fsync already under way may land partly, as on real disks).
   * Open a new instance over the same directories to see what survived.
   */
  crash(): void {
    this.dead = true;
  }

  private alive(): void {
    if (this.dead) throw new PowerLossError();
  }

  // ---- internals ------------------------------------------------------------------------------

  private inodesIn(d: string): Inode[] {
    const out = new Set<Inode>();
    for (const e of this.dirs.get(d)?.values() ?? []) if (e !== 'dir') out.add(e);
    // Inodes unlinked or renamed away still own their real path until this fsyncDir.
    for (const e of this.known) if (e.path !== undefined && dirname(e.path) === d) out.add(e);
    return [...out];
  }

  /** Every inode loaded from disk or created, so that unlinked ones are still found by path. */
  private readonly known = new Set<Inode>();

  private async file(path: string, syscall: string): Promise<Inode> {
    const p = resolve(path);
    const e = (await this.dir(dirname(p))).get(basename(p));
    if (e === undefined) throw fsError('ENOENT', syscall, p);
    if (e === 'dir') throw fsError('EISDIR', syscall, p);
    return e;
  }

  private async dir(d: string): Promise<Map<string, Entry>> {
    let m = this.dirs.get(d);
    if (m) return m;
    const names = await readdir(d);
    m = new Map();
    for (const name of names) {
      const path = join(d, name);
      const st = await stat(path);
      if (st.isDirectory()) {
        m.set(name, 'dir');
        continue;
      }
      const inode = new Inode();
      inode.path = path;
      inode.baseSize = st.size;
      this.known.add(inode);
      m.set(name, inode);
    }
    // Another call may have loaded it while we awaited.
    const raced = this.dirs.get(d);
    if (raced) return raced;
    this.dirs.set(d, m);
    return m;
  }
}
