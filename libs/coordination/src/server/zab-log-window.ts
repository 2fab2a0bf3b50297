/**
 * The synchronous `ZabLog` a member hands its ZabPeer: an in-memory window over the newest durable
 * txn-log entries (ZooKeeper's committedLog idea). The txn log on disk is the truth; the window
 * only has to answer the leader's DIFF questions quickly. When a learner is further behind than
 * the window reaches, `entries` says "not held" and the leader syncs it with a snapshot instead.
 */
import type { ZabLog } from '../zab/history.js';
import type { ZabEntry, ZabSnapshot } from '../zab/messages.js';

export interface LogWindowLimits {
  /** most entries held (ZooKeeper's default committed-log size is 500; we keep more) */
  maxEntries: number;
  /** most payload bytes held */
  maxBytes: number;
}

export const DEFAULT_LOG_WINDOW: LogWindowLimits = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };

export class LogWindow implements ZabLog {
  private entriesHeld: ZabEntry[] = [];
  /** index of the first live entry in `entriesHeld` (trimming shifts lazily) */
  private start = 0;
  private bytes = 0;
  private base: number;

  /**
   * @param base zxid the durable log starts after (the loaded snapshot's zxid)
   * @param snapshotFn serializes the member's current committed state
   * @param appliedZxid the window never drops entries above this zxid. The member passes
   *   min(applied, ZAB-committed): a snapshot (taken of applied state) then always reaches the
   *   base, and the peer can still read back entries it has yet to hand out as committed.
   */
  constructor(
    base: number,
    private readonly snapshotFn: () => ZabSnapshot,
    private readonly appliedZxid: () => number,
    private readonly limits: LogWindowLimits = DEFAULT_LOG_WINDOW,
  ) {
    this.base = base;
  }

  get size(): number {
    return this.entriesHeld.length - this.start;
  }

  baseZxid(): number {
    return this.base;
  }

  lastZxid(): number {
    const n = this.entriesHeld.length;
    return n > this.start ? this.entriesHeld[n - 1]!.zxid : this.base;
  }

  /** Records an entry the log has made durable (strictly after `lastZxid()`). */
  add(entry: ZabEntry): void {
    if (entry.zxid <= this.lastZxid()) throw new RangeError(`zxid 0x${entry.zxid.toString(16)} out of order`);
    this.entriesHeld.push(entry);
    this.bytes += entry.data.length;
    this.trim();
  }

  /** Forgets entries after `zxid` (TRUNC). */
  truncateAfter(zxid: number): void {
    let n = this.entriesHeld.length;
    while (n > this.start && this.entriesHeld[n - 1]!.zxid > zxid) {
      n--;
      this.bytes -= this.entriesHeld[n]!.data.length;
    }
    this.entriesHeld.length = n;
    if (this.base > zxid) this.base = zxid;
  }

  /** Starts over after a snapshot install: nothing held, the snapshot is the base. */
  reset(base: number): void {
    this.entriesHeld = [];
    this.start = 0;
    this.bytes = 0;
    this.base = base;
  }

  floor(zxid: number): number | undefined {
    if (zxid < this.base) return undefined;
    const i = this.upperIndex(zxid);
    return i > this.start ? this.entriesHeld[i - 1]!.zxid : this.base;
  }

  entries(after: number, upto: number): ZabEntry[] | undefined {
    if (upto <= after) return [];
    if (after < this.base) return undefined;
    const from = this.upperIndex(after);
    const to = this.upperIndex(upto);
    return this.entriesHeld.slice(from, to);
  }

  snapshot(): ZabSnapshot {
    return this.snapshotFn();
  }

  /** Index of the first live entry with zxid > `zxid`. */
  private upperIndex(zxid: number): number {
    let lo = this.start;
    let hi = this.entriesHeld.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.entriesHeld[mid]!.zxid <= zxid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private trim(): void {
    while (this.size > this.limits.maxEntries || (this.bytes > this.limits.maxBytes && this.size > 1)) {
      const e = this.entriesHeld[this.start]!;
      if (e.zxid > this.appliedZxid()) break;
      this.bytes -= e.data.length;
      this.base = e.zxid;
      this.start++;
    }
    // Compact now and then so the array does not grow without bound.
    if (this.start > 4096 && this.start * 2 > this.entriesHeld.length) {
      this.entriesHeld = this.entriesHeld.slice(this.start);
      this.start = 0;
    }
  }
}
