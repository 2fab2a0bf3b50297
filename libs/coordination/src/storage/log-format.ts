/**
 * On-disk format of transaction-log segments, and a chunked reader that parses them.
 *
 * Segment file `log.<first-zxid-hex>` (lowercase hex, no padding, as ZooKeeper names its logs):
 *
 *   segment header, 16 bytes:  u32 magic 'RGLG' | u32 version (1) | 8 bytes reserved (zero)
 *   entry, repeated:           u32 payload length | u32 crc32 | u32 zxid high | u32 zxid low | payload
 *
 * All integers are big-endian. The CRC covers the length field, the zxid and the payload (everything
 * but itself), so a flipped bit in the length is caught too, not just in the payload. Zxids are
 * strictly increasing within and across segments, which catches a stale or misplaced entry whose
 * CRC is fine. A 16-byte all-zero entry header marks the end of data (preallocated space); a real
 * entry can never look like that because zxid 0 is never logged.
 */
import type { StorageFile } from './file-system.js';
import { crc32 } from './crc32.js';

export const SEGMENT_PREFIX = 'log.';
export const SEGMENT_MAGIC = 0x52474c47; // 'RGLG'
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 16;
export const ENTRY_HEADER_BYTES = 16;
/** Refuse absurd lengths early; ZooKeeper's own jute.maxbuffer default is 1 MiB. */
export const MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
/** Zxids above this do not fit the high word we allow (keeps them exact JS integers). */
const MAX_ZXID_HIGH = 0x1fffff;
const TWO_32 = 0x1_0000_0000;

/** Build the segment header. */
export function encodeSegmentHeader(): Buffer {
  const b = Buffer.alloc(SEGMENT_HEADER_BYTES);
  b.writeUInt32BE(SEGMENT_MAGIC, 0);
  b.writeUInt32BE(SEGMENT_VERSION, 4);
  return b;
}

/** Why a segment header is unusable; undefined when it is fine. */
export function checkSegmentHeader(b: Buffer): string | undefined {
  if (b.length < SEGMENT_HEADER_BYTES) return 'partial segment header';
  if (b.readUInt32BE(0) !== SEGMENT_MAGIC) return `bad segment magic 0x${b.readUInt32BE(0).toString(16)}`;
  if (b.readUInt32BE(4) !== SEGMENT_VERSION) return `unsupported segment version ${b.readUInt32BE(4)}`;
  return undefined;
}

/** Write one framed entry into `out` at `at`; returns the offset after it. */
export function encodeEntryInto(out: Buffer, at: number, zxid: number, payload: Buffer): number {
  out.writeUInt32BE(payload.length, at);
  out.writeUInt32BE(Math.floor(zxid / TWO_32), at + 8);
  out.writeUInt32BE(zxid >>> 0, at + 12);
  payload.copy(out, at + ENTRY_HEADER_BYTES);
  out.writeUInt32BE(entryCrc(out.subarray(at, at + ENTRY_HEADER_BYTES), payload), at + 4);
  return at + ENTRY_HEADER_BYTES + payload.length;
}

function entryCrc(header: Buffer, payload: Buffer): number {
  return crc32(payload, crc32(header.subarray(8, 16), crc32(header.subarray(0, 4))));
}

export type ParsedEntry = { ok: true; zxid: number; payload: Buffer; offset: number; next: number };
export type ParseStop = { ok: false; offset: number; reason: string; eof: boolean };

/**
 * Reads a byte range of a file in large chunks so that parsing many small entries does not cost a
 * syscall each. Entries larger than a chunk are read whole.
 */
export class ChunkedReader {
  private buf = Buffer.alloc(0);
  private bufPos = 0;

  constructor(
    private readonly fh: Pick<StorageFile, 'read'>,
    /** Bytes at or past this offset are never read. */
    readonly end: number,
    private readonly chunkBytes = 1024 * 1024,
  ) {}

  /** `len` bytes at `pos`, or undefined if the range reaches past `end`. */
  async get(pos: number, len: number): Promise<Buffer | undefined> {
    if (pos + len > this.end) return undefined;
    if (pos >= this.bufPos && pos + len <= this.bufPos + this.buf.length) {
      return this.buf.subarray(pos - this.bufPos, pos - this.bufPos + len);
    }
    const want = Math.min(Math.max(len, this.chunkBytes), this.end - pos);
    const b = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(b, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    this.buf = b.subarray(0, got);
    this.bufPos = pos;
    return got >= len ? this.buf.subarray(0, len) : undefined;
  }
}

/**
 * Parse the entry at `pos`. Returns the entry, or why parsing stopped: `eof` is true only for a
 * clean end (exactly at `end`, or at zeroed preallocated space).
 */
export async function parseEntryAt(
  r: ChunkedReader,
  pos: number,
  prevZxid: number,
): Promise<ParsedEntry | ParseStop> {
  if (pos === r.end) return { ok: false, offset: pos, reason: 'end of file', eof: true };
  const h = await r.get(pos, ENTRY_HEADER_BYTES);
  if (!h) return { ok: false, offset: pos, reason: 'partial entry header', eof: false };
  const len = h.readUInt32BE(0);
  const crc = h.readUInt32BE(4);
  const hi = h.readUInt32BE(8);
  const lo = h.readUInt32BE(12);
  if (len === 0 && crc === 0 && hi === 0 && lo === 0) {
    return { ok: false, offset: pos, reason: 'zero-filled space', eof: true };
  }
  if (hi > MAX_ZXID_HIGH) return { ok: false, offset: pos, reason: 'zxid out of range', eof: false };
  const zxid = hi * TWO_32 + lo;
  if (zxid <= prevZxid) {
    return {
      ok: false,
      offset: pos,
      reason: `zxid 0x${zxid.toString(16)} not after 0x${prevZxid.toString(16)}`,
      eof: false,
    };
  }
  if (len > MAX_PAYLOAD_BYTES)
    return { ok: false, offset: pos, reason: `implausible length ${len}`, eof: false };
  const header = Buffer.from(h); // the next get() may replace the chunk h points into
  const body = await r.get(pos + ENTRY_HEADER_BYTES, len);
  if (!body) return { ok: false, offset: pos, reason: 'partial entry payload', eof: false };
  if (entryCrc(header, body) !== crc) return { ok: false, offset: pos, reason: 'crc mismatch', eof: false };
  // Copy so a caller holding one payload does not pin a whole read chunk in memory.
  return { ok: true, zxid, payload: Buffer.from(body), offset: pos, next: pos + ENTRY_HEADER_BYTES + len };
}

/**
 * True when some complete, CRC-valid entry with zxid > `prevZxid` starts anywhere in `tail` at or
 * after `from`. Used after a bad entry to tell a torn tail (nothing valid follows: the crash cut
 * the last write) from damage in the middle (valid, once-acknowledged entries follow).
 */
export function validEntryFollows(tail: Buffer, from: number, prevZxid: number): boolean {
  for (let i = from; i + ENTRY_HEADER_BYTES <= tail.length; i++) {
    const hi = tail.readUInt32BE(i + 8);
    const lo = tail.readUInt32BE(i + 12);
    if (hi === 0 && lo === 0) {
      // A header needs a non-zero zxid in its bytes 8..15, so no entry starts before the next
      // non-zero byte minus 15. After a kill -9 the tail is mostly preallocated zeros (64 MiB):
      // skipping them natively keeps recovery from crawling through it byte by byte.
      const next = nextNonZero(tail, i + 16) - 15;
      if (next > i + 1) i = next - 1;
      continue;
    }
    const len = tail.readUInt32BE(i);
    if (len > tail.length - i - ENTRY_HEADER_BYTES) continue;
    if (hi > MAX_ZXID_HIGH) continue;
    const zxid = hi * TWO_32 + lo;
    if (zxid <= prevZxid) continue;
    const header = tail.subarray(i, i + ENTRY_HEADER_BYTES);
    const body = tail.subarray(i + ENTRY_HEADER_BYTES, i + ENTRY_HEADER_BYTES + len);
    if (entryCrc(header, body) === tail.readUInt32BE(i + 4)) return true;
  }
  return false;
}

const ZEROS = Buffer.alloc(64 * 1024);

/** Index of the first non-zero byte of `b` at or after `from` (b.length when none). */
function nextNonZero(b: Buffer, from: number): number {
  let i = from;
  while (i < b.length) {
    const end = Math.min(b.length, i + ZEROS.length);
    // memcmp against zeros: a whole window at native speed.
    if (ZEROS.compare(b, i, end, 0, end - i) === 0) {
      i = end;
      continue;
    }
    while (b[i] === 0) i++;
    return i;
  }
  return b.length;
}
