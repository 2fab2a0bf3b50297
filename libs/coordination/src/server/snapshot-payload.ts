/**
 * A member's snapshot as one buffer for ZAB's SNAP sync: the ZkDatabase snapshot chunks, each
 * length-prefixed, so the receiver gets back exactly the chunk boundaries `ZkDatabase.restore` reads.
 */

/** Concatenates chunks as [u32 length][bytes]... */
export function encodeSnapshotPayload(chunks: Iterable<Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const c of chunks) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(c.length, 0);
    parts.push(len, c);
  }
  return Buffer.concat(parts);
}

export class SnapshotPayloadError extends Error {
  override readonly name = 'SnapshotPayloadError';
}

/** Splits a payload back into its chunks. @throws SnapshotPayloadError on a truncated payload. */
export function decodeSnapshotPayload(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (pos + 4 > buf.length) throw new SnapshotPayloadError('truncated chunk length');
    const len = buf.readUInt32BE(pos);
    pos += 4;
    if (pos + len > buf.length) throw new SnapshotPayloadError('truncated chunk');
    out.push(buf.subarray(pos, pos + len));
    pos += len;
  }
  return out;
}
