/**
 * The first frame on every quorum/election connection: who is calling, whom it thinks it calls, and
 * for which port kind. The receiver checks all of it so a mis-wired zoo.cfg (ports swapped, ids
 * mismatched, a stray client on the quorum port) closes the connection instead of feeding garbage to
 * ZAB. Layout (payload, after the usual 4-byte BE length of 16): u32 magic "RGLK", u8 version,
 * u8 kind (1 quorum, 2 election), u16 zero, u32 sender id, u32 receiver id.
 */

export type LinkKind = 'quorum' | 'election';

const MAGIC = 0x52474c4b; // "RGLK"
const VERSION = 1;
const PAYLOAD_BYTES = 16;
/** Whole hello frame, length prefix included. */
export const HELLO_FRAME_BYTES = 4 + PAYLOAD_BYTES;

export interface Hello {
  readonly kind: LinkKind;
  readonly from: number;
  readonly to: number;
}

/** Encodes the hello frame (length prefix included). */
export function encodeHello(hello: Hello): Buffer {
  const b = Buffer.alloc(HELLO_FRAME_BYTES);
  b.writeUInt32BE(PAYLOAD_BYTES, 0);
  b.writeUInt32BE(MAGIC, 4);
  b.writeUInt8(VERSION, 8);
  b.writeUInt8(hello.kind === 'quorum' ? 1 : 2, 9);
  b.writeUInt32BE(hello.from, 12);
  b.writeUInt32BE(hello.to, 16);
  return b;
}

/**
 * Parses a hello frame of exactly HELLO_FRAME_BYTES bytes.
 * @returns the hello, or a reason string when it is not one of ours.
 */
export function decodeHello(frame: Buffer): Hello | string {
  if (frame.length !== HELLO_FRAME_BYTES) return `hello of ${frame.length} bytes`;
  if (frame.readUInt32BE(0) !== PAYLOAD_BYTES) return 'bad hello length';
  if (frame.readUInt32BE(4) !== MAGIC) return 'bad hello magic';
  if (frame.readUInt8(8) !== VERSION) return `unsupported link version ${frame.readUInt8(8)}`;
  const kindCode = frame.readUInt8(9);
  if ((kindCode !== 1 && kindCode !== 2) || frame.readUInt16BE(10) !== 0) return 'bad hello kind';
  return {
    kind: kindCode === 1 ? 'quorum' : 'election',
    from: frame.readUInt32BE(12),
    to: frame.readUInt32BE(16),
  };
}
