/**
 * Writes jute binary records into one growable Buffer. This is on the hot path of every request
 * and reply, so it avoids per-field allocations: fields are written in place, the buffer grows by
 * doubling, and four bytes are reserved up front so {@link JuteWriter.toFrame} can fill in the
 * length prefix without copying the payload.
 */

const TWO_32 = 0x1_0000_0000;
const PREFIX = 4;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * @example
 *   const w = new JuteWriter();
 *   w.int(xid); w.int(OpCode.getData); w.ustring('/a'); w.bool(true);
 *   socket.write(w.toFrame());
 */
export class JuteWriter {
  private buf: Buffer;
  private pos = PREFIX;

  /** @param capacityHint expected payload size; a good guess saves regrowth copies. */
  constructor(capacityHint = 128) {
    this.buf = Buffer.allocUnsafe(PREFIX + Math.max(16, capacityHint));
  }

  /** Payload bytes written so far. */
  get length(): number {
    return this.pos - PREFIX;
  }

  private ensure(n: number): void {
    const needed = this.pos + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(n: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(n, this.pos);
    this.pos += 4;
    return this;
  }

  /** An int64. Accepts the signed range and, for ids written as unsigned, values up to 2^64-1. */
  long(v: bigint): this {
    this.ensure(8);
    if (v === 0n) {
      // Most longs on the wire are 0 (ephemeralOwner of persistent nodes, new session ids);
      // skipping the BigInt conversion makes Stat encoding noticeably cheaper.
      this.buf.writeInt32BE(0, this.pos);
      this.buf.writeInt32BE(0, this.pos + 4);
      this.pos += 8;
      return this;
    }
    if (v < INT64_MIN || v > UINT64_MAX) throw new RangeError(`long out of range: ${v}`);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
    return this;
  }

  /** An int64 from a JS number (zxids, times), without BigInt; `n` must be a safe integer. */
  zxid(n: number): this {
    if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
    this.ensure(8);
    const hi = Math.floor(n / TWO_32);
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(n - hi * TWO_32, this.pos + 4);
    this.pos += 8;
    return this;
  }

  bool(b: boolean): this {
    this.ensure(1);
    this.buf[this.pos++] = b ? 1 : 0;
    return this;
  }

  /** Raw byte (the optional trailing readOnly flag is written with bool()). */
  byte(n: number): this {
    this.ensure(1);
    this.buf[this.pos++] = n & 0xff;
    return this;
  }

  /** A jute ustring: int32 UTF-8 byte length (-1 for null) then the bytes. */
  ustring(s: string | null): this {
    if (s === null) return this.int(-1);
    // A UTF-16 code unit never needs more than 3 UTF-8 bytes, so reserving 3x lets us encode in
    // place and back-fill the length instead of scanning the string twice (byteLength + write).
    this.ensure(PREFIX + s.length * 3);
    const written = s.length === 0 ? 0 : this.buf.write(s, this.pos + PREFIX, 'utf8');
    this.buf.writeInt32BE(written, this.pos);
    this.pos += PREFIX + written;
    return this;
  }

  /** A jute buffer: int32 length (-1 for null) then the bytes. */
  buffer(b: Buffer | null): this {
    if (b === null) return this.int(-1);
    this.ensure(PREFIX + b.length);
    this.buf.writeInt32BE(b.length, this.pos);
    b.copy(this.buf, this.pos + PREFIX);
    this.pos += PREFIX + b.length;
    return this;
  }

  /** A jute vector: int32 count (-1 for null) then each element via `write`. */
  vector<T>(items: readonly T[] | null, write: (w: JuteWriter, t: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (let i = 0; i < items.length; i++) write(this, items[i]!);
    return this;
  }

  /** A vector<ustring>. */
  stringList(items: readonly string[] | null): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (let i = 0; i < items.length; i++) this.ustring(items[i]!);
    return this;
  }

  /** Appends bytes verbatim (no length prefix). */
  raw(b: Buffer): this {
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }

  /** The payload written so far (a view: do not keep writing after taking it). */
  toBuffer(): Buffer {
    return this.buf.subarray(PREFIX, this.pos);
  }

  /** Returns a frame: 4-byte BE length + payload (a view: do not keep writing after taking it). */
  toFrame(): Buffer {
    this.buf.writeInt32BE(this.pos - PREFIX, 0);
    return this.buf.subarray(0, this.pos);
  }
}
