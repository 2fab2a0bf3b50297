/**
 * The bytes of a SNAP stream (pure). A member's snapshot is a sequence of records (the ZkDatabase
 * snapshot chunks: the session header, then one record per znode). The leader packs consecutive
 * records into payloads of a bounded size, each record length-prefixed, and sends one payload per
 * `snap-chunk` message; the learner splits each payload back into exactly the records
 * `ZkDatabase.restore` reads. Packing is lazy: records are pulled (serialized) only as payloads are
 * asked for, so the leader serializes while it streams instead of all at once.
 */
import { MarshallingError } from '../protocol/errors.js';
import type { ZabSnapshot } from '../zab/messages.js';

/** Default bound of one payload: small enough to interleave with heartbeats, big enough to be cheap. */
export const SNAPSHOT_PAYLOAD_BYTES = 1024 * 1024;

export class SnapshotPayloadError extends MarshallingError {
  constructor(detail: string) {
    super(undefined, { detail });
  }
}

/** Concatenates records as [u32 length][bytes]... */
export function encodeSnapshotPayload(records: Iterable<Buffer>): Buffer {
  const parts: Buffer[] = [];
  for (const c of records) {
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32BE(c.length, 0);
    parts.push(len, c);
  }
  return Buffer.concat(parts);
}

/**
 * Splits a payload back into its records (views into `buf`, not copies).
 * @throws SnapshotPayloadError on a truncated payload.
 */
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

/** One payload of a SNAP stream; `last` is set on the final one. */
export interface SnapshotPayload {
  readonly data: Buffer;
  readonly last: boolean;
}

/**
 * Packs `records` into payloads of at most `maxBytes` (a single record larger than that travels
 * alone in a payload of its own size). Always yields at least one payload, the final one marked
 * `last`; to know which one is final it reads one payload ahead.
 */
export function* packSnapshotPayloads(
  records: Iterable<Buffer>,
  maxBytes: number = SNAPSHOT_PAYLOAD_BYTES,
): Generator<SnapshotPayload> {
  if (!(maxBytes > 4)) throw new RangeError(`payload bound ${maxBytes} leaves no room for a record`);
  let held: Buffer | undefined;
  let batch: Buffer[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = 4 + r.length;
    if (batch.length > 0 && bytes + size > maxBytes) {
      if (held) yield { data: held, last: false };
      held = encodeSnapshotPayload(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(r);
    bytes += size;
  }
  if (batch.length > 0) {
    if (held) yield { data: held, last: false };
    held = encodeSnapshotPayload(batch);
  }
  yield { data: held ?? Buffer.alloc(0), last: true };
}

/** The records of a sequence of payloads, in order, decoded one payload at a time. */
export function* payloadRecords(payloads: Iterable<Buffer>): Generator<Buffer> {
  for (const p of payloads) yield* decodeSnapshotPayload(p);
}

/**
 * A snapshot for a SNAP sync whose first record is taken now. The database's snapshot generator
 * writes its header (last applied zxid, sessions) on the first pull; pulling it at once pins the
 * header to the state ZAB planned the sync against (`zxid`), even though the node records that
 * follow are serialized later, while the stream runs (fuzzy, like the snapshots on disk).
 */
export function snapshotFrom(zxid: number, records: Iterator<Buffer>): ZabSnapshot {
  const first = records.next();
  return {
    zxid,
    records: {
      *[Symbol.iterator]() {
        if (first.done) return;
        yield first.value;
        for (let r = records.next(); !r.done; r = records.next()) yield r.value;
      },
    },
  };
}
