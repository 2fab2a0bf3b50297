/**
 * A member's history as ZAB sees it: the durable part lives in the host's log (read through
 * `ZabLog`), the part handed out for persistence but not yet reported durable lives here
 * ("unstable", as in etcd raft's `unstable`). The core never reads the host log beyond what the
 * host reported durable, so truncations and snapshot installs still queued in an unprocessed
 * `Ready` cannot expose stale entries.
 */
import type { ZabEntry, ZabSnapshot } from './messages.js';

/**
 * Read access to the host's durable txn log. Calls are synchronous: a host whose log is on disk
 * keeps an in-memory index (zxids) and a window of recent txns, and returns `undefined` from
 * `entries` when a range is no longer held (the leader then syncs that learner with a snapshot).
 */
export interface ZabLog {
  /** zxid of the snapshot the durable log starts after (0 for an empty member). */
  baseZxid(): number;
  /** zxid of the last durable entry (the base when there is none). */
  lastZxid(): number;
  /** the greatest zxid <= `zxid` held (the base counts); `undefined` when `zxid` < base. */
  floor(zxid: number): number | undefined;
  /** durable entries with `after < zxid <= upto`, ascending; `undefined` if not all are held. */
  entries(after: number, upto: number): ZabEntry[] | undefined;
  /** a snapshot of the host's committed (applied) state, for SNAP syncs. Its zxid must be >= base. */
  snapshot(): ZabSnapshot;
}

export class History {
  private unstable: ZabEntry[] = [];
  /** zxid up to which the host log is durable and valid to read. */
  private stable: number;
  /** base installed by a snapshot the host may not have written yet. */
  private installedBase = 0;

  constructor(private readonly log: ZabLog) {
    this.stable = log.lastZxid();
  }

  /** zxid of the newest entry (durable or not). */
  get last(): number {
    const n = this.unstable.length;
    return n > 0 ? this.unstable[n - 1]!.zxid : this.stable;
  }

  /** zxid up to which the history is durable. */
  get stableZxid(): number {
    return this.stable;
  }

  get base(): number {
    return Math.max(this.log.baseZxid(), this.installedBase);
  }

  /** Adds an entry at the end; the caller checked it is newer than `last`. */
  append(entry: ZabEntry): void {
    this.unstable.push(entry);
  }

  /** The host reports entries up to `zxid` durable. Returns true if `stable` moved. */
  markStable(zxid: number): boolean {
    const upto = Math.min(zxid, this.last);
    if (upto <= this.stable) return false;
    let i = 0;
    while (i < this.unstable.length && this.unstable[i]!.zxid <= upto) i++;
    this.unstable = this.unstable.slice(i);
    this.stable = upto;
    return true;
  }

  /** Drops every entry after `zxid`. */
  truncateAfter(zxid: number): void {
    let n = this.unstable.length;
    while (n > 0 && this.unstable[n - 1]!.zxid > zxid) n--;
    this.unstable.length = n;
    if (this.stable > zxid) this.stable = zxid;
  }

  /** Replaces the whole history with a snapshot at `zxid`. */
  installSnapshot(zxid: number): void {
    this.unstable = [];
    this.stable = zxid;
    this.installedBase = zxid;
  }

  /** Greatest zxid <= `zxid` in the history; `undefined` when below the base. */
  floor(zxid: number): number | undefined {
    const u = this.unstable;
    if (u.length > 0 && zxid >= u[0]!.zxid) {
      let lo = 0;
      let hi = u.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (u[mid]!.zxid <= zxid) lo = mid;
        else hi = mid - 1;
      }
      return u[lo]!.zxid;
    }
    const z = Math.min(zxid, this.stable);
    const base = this.base;
    if (z < base) return undefined;
    if (z === base) return base;
    const f = this.log.floor(z);
    return f === undefined || f < base ? base : f;
  }

  /** Whether `zxid` is exactly a point of this history (the base and 0 count). */
  has(zxid: number): boolean {
    return zxid === 0 ? this.base === 0 : this.floor(zxid) === zxid;
  }

  /** Entries with `after < zxid <= upto` in order; `undefined` if `after` is below what is held. */
  slice(after: number, upto: number): ZabEntry[] | undefined {
    if (upto <= after) return [];
    if (after < this.base) return undefined;
    const out: ZabEntry[] = [];
    if (after < this.stable) {
      const durable = this.log.entries(after, Math.min(upto, this.stable));
      if (durable === undefined) return undefined;
      for (const e of durable) out.push(e);
    }
    const u = this.unstable;
    let lo = 0;
    let hi = u.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u[mid]!.zxid <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < u.length && u[i]!.zxid <= upto; i++) out.push(u[i]!);
    return out;
  }

  /** The host's snapshot, for SNAP syncs. */
  snapshot(): ZabSnapshot {
    return this.log.snapshot();
  }
}
