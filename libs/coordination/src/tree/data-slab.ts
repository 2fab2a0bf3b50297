/**
 * Where znode data lives, addressed by node id. Small values are copied into large shared slabs
 * and located by three int32 columns (slab, offset, length) instead of a Buffer object per node:
 * a Buffer view costs ~100 bytes of heap on its own, as much as the 100-byte value it points to,
 * and a decoded request's buffers are slices of Node's 8 KiB pool, so keeping one would pin a whole
 * pool chunk of garbage. Large values keep their own buffer.
 *
 * Slab bytes are never overwritten: a rewritten or deleted value leaves a hole, and a view handed
 * to a reader (a reply not yet encoded, a snapshot record) stays valid because it keeps its own
 * reference to the slab. Holes are reclaimed two ways: a slab whose every value is gone is dropped
 * at once (a hot setData loop frees its slabs as fast as it fills them), and when the holes in
 * partly-used slabs outweigh the live bytes, the live values of sparse slabs move to fresh ones
 * ({@link DataSlab.compact}, one pass over the ids; amortised O(1) per write).
 */
import { growColumn } from './columns.js';

const SLAB_BYTES = 256 * 1024;
const SMALL_VALUE = 1024;
/** slab column markers: no bytes in a slab (null, empty) or a value with its own buffer. */
const NONE = -1;
const OWN = -2;
/** length column marker for null data (never set; ZooKeeper keeps it distinct from empty). */
const NULL_LENGTH = -1;

const EMPTY = Buffer.alloc(0);

export class DataSlab {
  private slabOf: Int32Array;
  private offsetOf: Int32Array;
  private lengthOf: Int32Array;
  private readonly own = new Map<number, Buffer>();

  private readonly slabs: (Buffer | undefined)[] = [];
  /** live bytes per slab; a dropped slab's entry is reused. */
  private readonly live: number[] = [];
  private readonly freeSlabs: number[] = [];
  private current = NONE;
  private at = SLAB_BYTES;
  /** live bytes over all slabs. */
  private liveBytes = 0;
  /** highest id ever stored + 1, so compaction scans only what can hold data. */
  private highId = 0;

  constructor(capacity: number) {
    this.slabOf = new Int32Array(capacity).fill(NONE);
    this.offsetOf = new Int32Array(capacity);
    this.lengthOf = new Int32Array(capacity).fill(NULL_LENGTH);
  }

  /** Makes room for ids below `capacity` (called by the node table as it grows). */
  grow(capacity: number): void {
    this.slabOf = growColumn(this.slabOf, capacity, NONE);
    this.offsetOf = growColumn(this.offsetOf, capacity);
    this.lengthOf = growColumn(this.lengthOf, capacity, NULL_LENGTH);
  }

  /** Stores a copy of `data` as node `id`'s value, releasing the value it held. */
  store(id: number, data: Buffer | null): void {
    this.release(id);
    if (id >= this.highId) this.highId = id + 1;
    if (data === null) return;
    const len = data.length;
    this.lengthOf[id] = len;
    if (len === 0) return;
    if (len > SMALL_VALUE) {
      this.slabOf[id] = OWN;
      this.own.set(id, Buffer.from(data));
      return;
    }
    this.place(id, data, len);
    this.maybeCompact();
  }

  /** Node `id`'s value: a view into a slab (do not mutate it), or null. */
  view(id: number): Buffer | null {
    const len = this.lengthOf[id]!;
    if (len === NULL_LENGTH) return null;
    const s = this.slabOf[id]!;
    if (s === NONE) return EMPTY;
    if (s === OWN) return this.own.get(id)!;
    const off = this.offsetOf[id]!;
    return this.slabs[s]!.subarray(off, off + len);
  }

  /**
   * The buffer that holds node `id`'s bytes (a shared slab or the value's own buffer), for reads
   * that must not allocate a view (path lookups); undefined for null or empty. The bytes start at
   * {@link start}. Valid until the next store: compaction may move a value.
   */
  backing(id: number): Buffer | undefined {
    const s = this.slabOf[id]!;
    if (s >= 0) return this.slabs[s];
    return s === OWN ? this.own.get(id) : undefined;
  }

  /** Where node `id`'s bytes start in {@link backing}. */
  start(id: number): number {
    return this.slabOf[id]! >= 0 ? this.offsetOf[id]! : 0;
  }

  /** Whether node `id`'s value is null (never set), as opposed to empty. */
  isNull(id: number): boolean {
    return this.lengthOf[id] === NULL_LENGTH;
  }

  /** Length of node `id`'s value; null data counts as 0 (as a Stat's dataLength does). */
  length(id: number): number {
    const len = this.lengthOf[id]!;
    return len === NULL_LENGTH ? 0 : len;
  }

  /** Forgets node `id`'s value (the node is deleted, or about to get a new one). */
  release(id: number): void {
    const s = this.slabOf[id]!;
    if (s >= 0) {
      const len = this.lengthOf[id]!;
      this.liveBytes -= len;
      const left = (this.live[s]! -= len);
      if (left === 0 && s !== this.current) this.dropSlab(s);
    } else if (s === OWN) {
      this.own.delete(id);
    }
    this.slabOf[id] = NONE;
    this.lengthOf[id] = NULL_LENGTH;
  }

  /** Bytes held in slabs, live or not (diagnostics and the compaction trigger). */
  get slabBytes(): number {
    return (this.slabs.length - this.freeSlabs.length) * SLAB_BYTES;
  }

  private place(id: number, data: Buffer, len: number): void {
    if (this.at + len > SLAB_BYTES) this.newSlab();
    const s = this.current;
    data.copy(this.slabs[s]!, this.at);
    this.slabOf[id] = s;
    this.offsetOf[id] = this.at;
    this.at += len;
    this.live[s]! += len;
    this.liveBytes += len;
  }

  private newSlab(): void {
    const previous = this.current;
    const s = this.freeSlabs.pop() ?? this.slabs.length;
    this.slabs[s] = Buffer.allocUnsafeSlow(SLAB_BYTES);
    this.live[s] = 0;
    this.current = s;
    this.at = 0;
    // The slab we leave may already be empty (every value in it rewritten): drop it now.
    if (previous !== NONE && this.live[previous] === 0) this.dropSlab(previous);
  }

  private dropSlab(s: number): void {
    this.slabs[s] = undefined;
    this.live[s] = 0;
    this.freeSlabs.push(s);
  }

  private maybeCompact(): void {
    const waste = this.slabBytes - this.liveBytes;
    if (waste > 16 * SLAB_BYTES && waste > this.liveBytes) this.compact();
  }

  /**
   * Moves the values of slabs less than half full into fresh slabs, then drops the emptied ones.
   * Runs only when holes outweigh live bytes, so its O(ids) pass is paid for by at least as many
   * bytes of writes since the last one.
   */
  compact(): void {
    const sparse = new Set<number>();
    for (let s = 0; s < this.slabs.length; s++) {
      if (this.slabs[s] !== undefined && s !== this.current && this.live[s]! < SLAB_BYTES / 2) sparse.add(s);
    }
    if (sparse.size === 0) return;
    for (let id = 0; id < this.highId; id++) {
      const s = this.slabOf[id]!;
      if (!sparse.has(s)) continue;
      const len = this.lengthOf[id]!;
      const off = this.offsetOf[id]!;
      const value = this.slabs[s]!.subarray(off, off + len);
      this.live[s]! -= len;
      this.liveBytes -= len;
      this.place(id, value, len);
    }
    for (const s of sparse) if (this.slabs[s] !== undefined) this.dropSlab(s);
  }
}
