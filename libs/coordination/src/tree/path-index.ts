/**
 * Path -> node id, as an open-addressing hash table in typed arrays (linear probing, backward-shift
 * deletion, no tombstones). A JS Map of a million entries is a 29 MB array of tagged slots in the
 * GC heap, re-scanned by every full GC and counted again in the slack the heap keeps for garbage;
 * here it is 4 bytes per slot (at most half full) plus the path's hash per id, outside the heap.
 * Keys are not stored: a slot holds an id, and the node table's path column (path-bytes.ts) is
 * asked whether that id's path is the key.
 */
import { RESERVE_FROM, growColumn, reservedBuffer } from './columns.js';

const EMPTY = 0; // slots hold id + 1
const MIN_SLOTS = 1024;

/** Where the index finds the key of an id. */
export interface PathKeys {
  /** The key's hash (path-bytes.ts pathHash); may prepare the key for the matchesKey calls that follow. */
  keyHash(path: string): number;
  /** Whether id's stored path is `path`, the key last given to keyHash. */
  matchesKey(id: number, path: string): boolean;
}

export class PathIndex {
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  private hashOf: Int32Array;
  private count = 0;

  /** @param keys the id -> path column this index answers for (read at lookup time). */
  constructor(
    private readonly keys: PathKeys,
    capacity: number,
  ) {
    this.hashOf = new Int32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Makes room for ids below `capacity` (the node table grows its columns together). */
  growIds(capacity: number): void {
    this.hashOf = growColumn(this.hashOf, capacity);
  }

  get(path: string): number | undefined {
    const h = this.keys.keyHash(path);
    const slots = this.slots;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const s = slots[i]!;
      if (s === EMPTY) return undefined;
      const id = s - 1;
      if (this.hashOf[id] === h && this.keys.matchesKey(id, path)) return id;
    }
  }

  /** Adds `id`, whose path (already in the column, hashing to `h`) is not in the index. */
  add(id: number, h: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    this.hashOf[id] = h;
    this.place(id, h);
    this.count++;
  }

  /** Removes `id` (call while its path is still in the column). */
  remove(id: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hashOf[id]! & mask;
    while (slots[i] !== id + 1) {
      if (slots[i] === EMPTY) return;
      i = (i + 1) & mask;
    }
    // Backward-shift: pull later members of the probe run into the hole, so lookups can stop at
    // the first empty slot.
    for (let j = (i + 1) & mask; slots[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.hashOf[slots[j]! - 1]! & mask;
      // Move j's entry into the hole at i unless its home lies cyclically in (i, j].
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        slots[i] = slots[j]!;
        i = j;
      }
    }
    slots[i] = EMPTY;
    this.count--;
  }

  private place(id: number, h: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let i = h & mask;
    while (slots[i] !== EMPTY) i = (i + 1) & mask;
    slots[i] = id + 1;
  }

  private rehash(size: number): void {
    const old = this.slots;
    // Large tables outside malloc (see columns.ts), fixed size: a rehash builds a new one.
    this.slots = new Int32Array(
      size <= RESERVE_FROM ? new ArrayBuffer(size * 4) : reservedBuffer(size * 4, size * 4),
    );
    this.mask = size - 1;
    for (let i = 0; i < old.length; i++) {
      const s = old[i]!;
      if (s !== EMPTY) this.place(s - 1, this.hashOf[s - 1]!);
    }
  }
}
