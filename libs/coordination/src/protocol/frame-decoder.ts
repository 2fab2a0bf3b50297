/**
 * Splits a TCP byte stream into frames (int32 BE length + payload). Chunks arrive in any size:
 * many small frames in one chunk are sliced out without copying, and a frame spread over many
 * chunks is concatenated once, when its last byte arrives, so the cost stays linear.
 */
import { DEFAULT_MAX_PACKET } from './constants.js';
import { FrameTooLargeError } from './errors.js';

/**
 * @example
 *   const decoder = new FrameDecoder();
 *   socket.on('data', (chunk) => { for (const payload of decoder.push(chunk)) handle(payload); });
 */
export class FrameDecoder {
  /** Chunks (or tails of chunks) of the incomplete frame, oldest first. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Payload length of the frame being assembled, or -1 while its prefix is incomplete. */
  private frameLength = -1;

  constructor(private readonly maxFrameLength = DEFAULT_MAX_PACKET) {}

  /** Bytes held back waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds bytes; returns the complete payloads (without length prefix) they finish, in order.
   * Payloads may be views into `chunk`; decode them before the chunk is reused.
   * @throws FrameTooLargeError for a length < 0 or > maxFrameLength. The stream cannot be
   *   resynchronised after that: close the connection, as ZooKeeper does. Frames completed
   *   earlier in the same push() are not returned in that case.
   */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let buf = chunk;
    if (this.pendingBytes > 0) {
      const before = this.pendingBytes;
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.frameLength < 0) {
        if (this.pendingBytes < 4) return out;
        this.frameLength = this.checkLength(this.peekLength());
      }
      const need = 4 + this.frameLength;
      if (this.pendingBytes < need) return out;
      // The frame is complete: copy its bytes once, then parse the rest of `chunk` in place.
      const take = need - before;
      this.pending[this.pending.length - 1] = chunk.subarray(0, take);
      out.push(Buffer.concat(this.pending, need).subarray(4));
      this.pending = [];
      this.pendingBytes = 0;
      this.frameLength = -1;
      buf = chunk.subarray(take);
    }
    let pos = 0;
    while (buf.length - pos >= 4) {
      const len = this.checkLength(buf.readInt32BE(pos));
      if (buf.length - pos - 4 < len) {
        this.frameLength = len;
        break;
      }
      out.push(buf.subarray(pos + 4, pos + 4 + len));
      pos += 4 + len;
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
    return out;
  }

  private checkLength(len: number): number {
    if (len < 0 || len > this.maxFrameLength) throw new FrameTooLargeError(len, this.maxFrameLength);
    return len;
  }

  /** Reads the 4-byte length prefix that may straddle pending chunks. */
  private peekLength(): number {
    const first = this.pending[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.allocUnsafe(4);
    let filled = 0;
    for (const part of this.pending) {
      const n = Math.min(4 - filled, part.length);
      part.copy(head, filled, 0, n);
      filled += n;
      if (filled === 4) break;
    }
    return head.readInt32BE(0);
  }
}

/** Prefixes a payload with its 4-byte BE length (for payload-only encoders like the connect codec). */
export function encodeFrame(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(4 + payload.length);
  frame.writeInt32BE(payload.length, 0);
  payload.copy(frame, 4);
  return frame;
}
