/**
 * Reads jute binary records (BinaryInputArchive's format: big-endian ints, int32-length-prefixed
 * strings/buffers/vectors with -1 for null). Bytes come from the network, so no length is trusted:
 * every read is bounds-checked against `end` and fails with MarshallingError, and a huge count or
 * length fails before anything is allocated.
 */
import { MarshallingError } from './errors.js';

const TWO_32 = 0x1_0000_0000;

/**
 * Cursor over `buf[offset, end)`.
 * @example
 *   const r = new JuteReader(payload);
 *   const xid = r.int(); const type = r.int(); const path = r.string();
 */
export class JuteReader {
  private readonly buf: Buffer;
  private pos: number;
  private readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (!(offset >= 0 && end <= buf.length && offset <= end)) {
      throw new MarshallingError(undefined, {
        detail: `bad reader window [${offset}, ${end}) of ${buf.length}`,
      });
    }
    this.buf = buf;
    this.pos = offset;
    this.end = end;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Current absolute position in the underlying buffer. */
  get offset(): number {
    return this.pos;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new MarshallingError(undefined, {
        detail: `${what} needs ${n} bytes at offset ${this.pos}, ${this.end - this.pos} left`,
      });
    }
  }

  int(): number {
    this.need(4, 'int');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  long(): bigint {
    this.need(8, 'long');
    // 0 is by far the most common value (see JuteWriter.long); avoid building a BigInt for it.
    if (this.buf.readInt32BE(this.pos) === 0 && this.buf.readInt32BE(this.pos + 4) === 0) {
      this.pos += 8;
      return 0n;
    }
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * An int64 as a JS number, without a BigInt allocation (zxids, times, counts). Exact for
   * |x| < 2^53, which zxids (epoch << 32 | counter) and ms timestamps satisfy.
   */
  zxid(): number {
    this.need(8, 'long');
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  bool(): boolean {
    this.need(1, 'boolean');
    // Java's DataInput.readBoolean: any non-zero byte is true.
    return this.buf[this.pos++] !== 0;
  }

  /** Raw byte (used for the optional trailing readOnly flag). */
  byte(): number {
    this.need(1, 'byte');
    return this.buf[this.pos++]!;
  }

  /** Reads a length prefix; -1 means null; any other negative value or overrun is an error. */
  private length(what: string): number {
    const len = this.int();
    if (len === -1) return -1;
    if (len < 0) throw new MarshallingError(undefined, { detail: `negative ${what} length ${len}` });
    if (len > this.end - this.pos) {
      throw new MarshallingError(undefined, {
        detail: `${what} length ${len} exceeds the ${this.end - this.pos} bytes left`,
      });
    }
    return len;
  }

  /** A jute ustring; null when the length is -1. */
  ustring(): string | null {
    const len = this.length('string');
    if (len < 0) return null;
    const start = this.pos;
    this.pos += len;
    return this.buf.toString('utf8', start, this.pos);
  }

  /** A jute ustring where null reads as '' (kazoo sends empty strings as null). */
  string(): string {
    const len = this.length('string');
    if (len <= 0) return '';
    const start = this.pos;
    this.pos += len;
    return this.buf.toString('utf8', start, this.pos);
  }

  /**
   * A jute buffer; null when the length is -1. Returns a COPY, so callers may keep it (e.g. in the
   * data tree) without pinning the whole socket chunk the frame was sliced from.
   */
  buffer(): Buffer | null {
    const len = this.length('buffer');
    if (len < 0) return null;
    const out = Buffer.allocUnsafe(len);
    this.buf.copy(out, 0, this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A jute buffer where null reads as an empty Buffer (a copy, as in {@link buffer}). */
  bytes(): Buffer {
    return this.buffer() ?? Buffer.alloc(0);
  }

  /**
   * A jute vector; null when the count is -1. The count must fit in the remaining bytes at
   * `minElementBytes` per element (1 by default; 4 for strings/ints), so a forged count of
   * 0x7fffffff fails at once instead of looping or allocating.
   */
  vector<T>(read: (r: JuteReader) => T, minElementBytes = 1): T[] | null {
    const count = this.int();
    if (count === -1) return null;
    if (count < 0) throw new MarshallingError(undefined, { detail: `negative vector count ${count}` });
    if (count * minElementBytes > this.end - this.pos) {
      throw new MarshallingError(undefined, {
        detail: `vector count ${count} cannot fit in the ${this.end - this.pos} bytes left`,
      });
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(read(this));
    return out;
  }

  /** A jute vector where null reads as []. */
  list<T>(read: (r: JuteReader) => T, minElementBytes = 1): T[] {
    return this.vector(read, minElementBytes) ?? [];
  }

  /** A vector<ustring> where null reads as [] and null elements as ''. */
  stringList(): string[] {
    return this.vector(readString, 4) ?? [];
  }
}

function readString(r: JuteReader): string {
  return r.string();
}
