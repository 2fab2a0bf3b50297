/**
 * A simulated member's durable state (what survives a crash) and a `ZabLog` view over it.
 * The snapshot is the host's applied state, encoded as JSON of [zxid, data] pairs.
 */
import type { ZabLog } from '../zab/history.js';
import type { ZabEntry, ZabSnapshot } from '../zab/messages.js';

export interface DurableState {
  acceptedEpoch: number;
  currentEpoch: number;
  /** zxid the snapshot covers up to */
  base: number;
  /** committed txns up to `base` (the snapshot's content) */
  baseEntries: ZabEntry[];
  /** log entries after `base`, ascending */
  entries: ZabEntry[];
}

export function emptyDurableState(): DurableState {
  return { acceptedEpoch: 0, currentEpoch: 0, base: 0, baseEntries: [], entries: [] };
}

export function encodeSnapshot(entries: readonly ZabEntry[]): Buffer {
  return Buffer.from(JSON.stringify(entries.map((e) => [e.zxid, e.data.toString('latin1')])));
}

export function decodeSnapshot(data: Buffer): ZabEntry[] {
  const raw = JSON.parse(data.toString()) as [number, string][];
  return raw.map(([zxid, d]) => ({ zxid, data: Buffer.from(d, 'latin1') }));
}

/** index of the first entry with zxid > z */
export function upperBound(entries: readonly ZabEntry[], z: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.zxid <= z) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MemoryZabLog implements ZabLog {
  constructor(
    private readonly durable: DurableState,
    /** the host's applied state, for snapshots */
    private readonly applied: () => readonly ZabEntry[],
  ) {}

  baseZxid(): number {
    return this.durable.base;
  }

  lastZxid(): number {
    const e = this.durable.entries;
    return e.length > 0 ? e[e.length - 1]!.zxid : this.durable.base;
  }

  floor(zxid: number): number | undefined {
    if (zxid < this.durable.base) return undefined;
    const i = upperBound(this.durable.entries, zxid);
    return i === 0 ? this.durable.base : this.durable.entries[i - 1]!.zxid;
  }

  entries(after: number, upto: number): ZabEntry[] | undefined {
    if (after < this.durable.base) return undefined;
    const e = this.durable.entries;
    return e.slice(upperBound(e, after), upperBound(e, upto));
  }

  snapshot(): ZabSnapshot {
    const a = this.applied();
    return { zxid: a.length > 0 ? a[a.length - 1]!.zxid : 0, records: [encodeSnapshot(a)] };
  }
}
