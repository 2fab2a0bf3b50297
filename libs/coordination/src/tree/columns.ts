/**
 * Growable typed-array columns for the node table. Small columns are plain typed arrays, grown by
 * copying; past {@link RESERVE_FROM} entries a column moves once to a resizable ArrayBuffer that
 * reserves address space for {@link MAX_IDS} entries and commits pages as it grows, in place.
 * Growing large columns by allocate-copy-free left every abandoned generation to glibc: freeing
 * those multi-MiB blocks raises malloc's mmap threshold, after which the many small buffers a busy
 * member churns come from the arena, whose free pages stay resident. Only committed pages count as
 * resident; the reservation is virtual. Small trees (tests build thousands) never reserve.
 */

/** Most node ids a tree can hold (a reserved column has address space for this many entries). */
export const MAX_IDS = 1 << 26;
/** Columns up to this many entries stay plain arrays. */
export const RESERVE_FROM = 1 << 16;

type Column = Float64Array | Int32Array | BigInt64Array;

/** ES2024's resizable ArrayBuffer (Node 20 has it; the project's TypeScript lib is ES2023). */
interface ResizableArrayBuffer extends ArrayBuffer {
  readonly resizable: boolean;
  resize(byteLength: number): void;
}
const ArrayBufferWithOptions = ArrayBuffer as unknown as new (
  byteLength: number,
  options?: { maxByteLength: number },
) => ResizableArrayBuffer;

/** An ArrayBuffer of `bytes` bytes that can grow in place up to `maxBytes` (mmap-reserved, not malloc'd). */
export function reservedBuffer(bytes: number, maxBytes: number): ArrayBuffer {
  return new ArrayBufferWithOptions(bytes, { maxByteLength: maxBytes });
}

/**
 * `column` with room for `capacity` entries, the old ones kept and new Int32 entries set to
 * `fill` (others 0). Returns the same object when it could grow in place: always assign the result.
 */
export function growColumn<T extends Column>(column: T, capacity: number, fill = 0): T {
  if (capacity > MAX_IDS) throw new RangeError(`a tree holds at most ${MAX_IDS} znodes`);
  const old = column.length;
  if (capacity <= old) return column;
  const buffer = column.buffer as ResizableArrayBuffer;
  let grown: T;
  if (buffer.resizable) {
    buffer.resize(capacity * column.BYTES_PER_ELEMENT);
    grown = column;
  } else {
    const bytes = column.BYTES_PER_ELEMENT;
    const storage =
      capacity <= RESERVE_FROM
        ? new ArrayBuffer(capacity * bytes)
        : reservedBuffer(capacity * bytes, MAX_IDS * bytes);
    grown = new (column.constructor as new (b: ArrayBuffer) => T)(storage);
    (grown as Column).set(column as never);
  }
  if (fill !== 0 && grown instanceof Int32Array) grown.fill(fill, old);
  return grown;
}
