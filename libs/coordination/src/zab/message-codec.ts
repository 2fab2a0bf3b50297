/**
 * Binary form of `ZabMessage` for the quorum links. Layout: `u8 version (1)`, `u8 type`, then the
 * type's fields in declaration order. Integers (zxids, epochs, ids, rounds, nonces) are non-negative
 * safe integers written as u64 BE (two u32 halves, so no BigInt and no 32-bit bit-op traps);
 * buffers are `u32 length + bytes`; booleans and enums are u8. Framing (length prefix) belongs to
 * the link, not to this codec.
 */
import { MarshallingError } from '../protocol/errors.js';
import type { PeerState, SyncMode, ZabEntry, ZabMessage } from './messages.js';

const VERSION = 1;
const TWO_32 = 2 ** 32;

const TYPE_CODES = {
  vote: 1,
  followerinfo: 2,
  leaderinfo: 3,
  ackepoch: 4,
  newleader: 5,
  'ack-newleader': 6,
  uptodate: 7,
  proposal: 8,
  ack: 9,
  commit: 10,
  inform: 11,
  ping: 12,
  pong: 13,
  request: 14,
  'sync-request': 15,
  'sync-reply': 16,
  'snap-chunk': 17,
} as const satisfies Record<ZabMessage['type'], number>;

const MODES: readonly SyncMode[] = ['diff', 'trunc', 'snap'];

/** A malformed quorum message (or one that cannot be encoded): the link should be dropped. */
export class ZabCodecError extends MarshallingError {
  constructor(detail: string) {
    super(undefined, { detail });
  }
}

class Writer {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.pos);
    this.pos += 1;
  }
  u64(v: number): void {
    if (!Number.isSafeInteger(v) || v < 0) throw new ZabCodecError(`not a non-negative safe integer: ${v}`);
    this.ensure(8);
    this.buf.writeUInt32BE(Math.floor(v / TWO_32), this.pos);
    this.buf.writeUInt32BE(v % TWO_32, this.pos + 4);
    this.pos += 8;
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  bytes(b: Buffer): void {
    this.ensure(4 + b.length);
    this.buf.writeUInt32BE(b.length, this.pos);
    b.copy(this.buf, this.pos + 4);
    this.pos += 4 + b.length;
  }
  entries(es: readonly ZabEntry[]): void {
    this.ensure(4);
    this.buf.writeUInt32BE(es.length, this.pos);
    this.pos += 4;
    for (const e of es) {
      this.u64(e.zxid);
      this.bytes(e.data);
    }
  }
  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new ZabCodecError('truncated quorum message');
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readUInt32BE(this.pos) * TWO_32 + this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    if (!Number.isSafeInteger(v)) throw new ZabCodecError('integer out of range');
    return v;
  }
  bool(): boolean {
    const b = this.u8();
    if (b > 1) throw new ZabCodecError(`bad boolean ${b}`);
    return b === 1;
  }
  bytes(): Buffer {
    this.need(4);
    const n = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    this.need(n);
    // Copy: the frame buffer may be reused by the link; entries live on in logs.
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  entries(): ZabEntry[] {
    this.need(4);
    const n = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    const out: ZabEntry[] = [];
    for (let i = 0; i < n; i++) out.push({ zxid: this.u64(), data: this.bytes() });
    return out;
  }
  end(): void {
    if (this.pos !== this.buf.length) throw new ZabCodecError('trailing bytes in quorum message');
  }
}

/** Encodes a message (without framing). */
export function encodeZabMessage(msg: ZabMessage): Buffer {
  const w = new Writer();
  w.u8(VERSION);
  w.u8(TYPE_CODES[msg.type]);
  switch (msg.type) {
    case 'vote':
      w.u8(msg.state);
      w.u64(msg.round);
      w.u64(msg.vote.leader);
      w.u64(msg.vote.zxid);
      w.u64(msg.vote.peerEpoch);
      break;
    case 'followerinfo':
      w.u64(msg.syncId);
      w.u64(msg.acceptedEpoch);
      w.bool(msg.observer);
      break;
    case 'leaderinfo':
      w.u64(msg.syncId);
      w.u64(msg.epoch);
      w.bool(msg.established);
      break;
    case 'ackepoch':
      w.u64(msg.syncId);
      w.u64(msg.epoch);
      w.u64(msg.currentEpoch);
      w.u64(msg.lastZxid);
      break;
    case 'newleader':
      w.u64(msg.syncId);
      w.u64(msg.epoch);
      w.u8(MODES.indexOf(msg.mode));
      w.u64(msg.fromZxid);
      w.u64(msg.truncTo);
      w.u64(msg.snapshotZxid);
      w.entries(msg.entries);
      w.u64(msg.commitZxid);
      break;
    case 'snap-chunk':
      w.u64(msg.syncId);
      w.u64(msg.epoch);
      w.u64(msg.zxid);
      w.u64(msg.seq);
      w.bool(msg.last);
      w.bytes(msg.data);
      break;
    case 'ack-newleader':
      w.u64(msg.syncId);
      w.u64(msg.epoch);
      w.u64(msg.zxid);
      break;
    case 'uptodate':
      w.u64(msg.syncId);
      w.u64(msg.epoch);
      w.u64(msg.commitZxid);
      break;
    case 'proposal':
      w.u64(msg.epoch);
      w.u64(msg.entry.zxid);
      w.bytes(msg.entry.data);
      break;
    case 'ack':
    case 'commit':
      w.u64(msg.epoch);
      w.u64(msg.zxid);
      break;
    case 'inform':
      w.u64(msg.epoch);
      w.entries(msg.entries);
      break;
    case 'ping':
      w.u64(msg.epoch);
      w.u64(msg.commitZxid);
      break;
    case 'pong':
      w.u64(msg.epoch);
      w.u64(msg.ackZxid);
      break;
    case 'request':
      w.u64(msg.epoch);
      w.bytes(msg.data);
      break;
    case 'sync-request':
      w.u64(msg.epoch);
      w.u64(msg.requestId);
      break;
    case 'sync-reply':
      w.u64(msg.epoch);
      w.u64(msg.requestId);
      w.u64(msg.zxid);
      break;
  }
  return w.done();
}

/**
 * Decodes one message.
 * @throws ZabCodecError on an unknown version/type, truncation or trailing bytes.
 */
export function decodeZabMessage(buf: Buffer): ZabMessage {
  const r = new Reader(buf);
  const version = r.u8();
  if (version !== VERSION) throw new ZabCodecError(`unsupported quorum message version ${version}`);
  const code = r.u8();
  let msg: ZabMessage;
  switch (code) {
    case TYPE_CODES.vote: {
      const state = r.u8();
      if (state > 3) throw new ZabCodecError(`bad peer state ${state}`);
      const round = r.u64();
      msg = {
        type: 'vote',
        state: state as PeerState,
        round,
        vote: { leader: r.u64(), zxid: r.u64(), peerEpoch: r.u64() },
      };
      break;
    }
    case TYPE_CODES.followerinfo:
      msg = { type: 'followerinfo', syncId: r.u64(), acceptedEpoch: r.u64(), observer: r.bool() };
      break;
    case TYPE_CODES.leaderinfo:
      msg = { type: 'leaderinfo', syncId: r.u64(), epoch: r.u64(), established: r.bool() };
      break;
    case TYPE_CODES.ackepoch:
      msg = { type: 'ackepoch', syncId: r.u64(), epoch: r.u64(), currentEpoch: r.u64(), lastZxid: r.u64() };
      break;
    case TYPE_CODES.newleader: {
      const syncId = r.u64();
      const epoch = r.u64();
      const mode = MODES[r.u8()];
      if (mode === undefined) throw new ZabCodecError('bad sync mode');
      const fromZxid = r.u64();
      const truncTo = r.u64();
      const snapshotZxid = r.u64();
      const entries = r.entries();
      msg = {
        type: 'newleader',
        syncId,
        epoch,
        mode,
        fromZxid,
        truncTo,
        snapshotZxid,
        entries,
        commitZxid: r.u64(),
      };
      break;
    }
    case TYPE_CODES['snap-chunk']:
      msg = {
        type: 'snap-chunk',
        syncId: r.u64(),
        epoch: r.u64(),
        zxid: r.u64(),
        seq: r.u64(),
        last: r.bool(),
        data: r.bytes(),
      };
      break;
    case TYPE_CODES['ack-newleader']:
      msg = { type: 'ack-newleader', syncId: r.u64(), epoch: r.u64(), zxid: r.u64() };
      break;
    case TYPE_CODES.uptodate:
      msg = { type: 'uptodate', syncId: r.u64(), epoch: r.u64(), commitZxid: r.u64() };
      break;
    case TYPE_CODES.proposal: {
      const epoch = r.u64();
      msg = { type: 'proposal', epoch, entry: { zxid: r.u64(), data: r.bytes() } };
      break;
    }
    case TYPE_CODES.ack:
      msg = { type: 'ack', epoch: r.u64(), zxid: r.u64() };
      break;
    case TYPE_CODES.commit:
      msg = { type: 'commit', epoch: r.u64(), zxid: r.u64() };
      break;
    case TYPE_CODES.inform:
      msg = { type: 'inform', epoch: r.u64(), entries: r.entries() };
      break;
    case TYPE_CODES.ping:
      msg = { type: 'ping', epoch: r.u64(), commitZxid: r.u64() };
      break;
    case TYPE_CODES.pong:
      msg = { type: 'pong', epoch: r.u64(), ackZxid: r.u64() };
      break;
    case TYPE_CODES.request:
      msg = { type: 'request', epoch: r.u64(), data: r.bytes() };
      break;
    case TYPE_CODES['sync-request']:
      msg = { type: 'sync-request', epoch: r.u64(), requestId: r.u64() };
      break;
    case TYPE_CODES['sync-reply']:
      msg = { type: 'sync-reply', epoch: r.u64(), requestId: r.u64(), zxid: r.u64() };
      break;
    default:
      throw new ZabCodecError(`unknown quorum message type ${code}`);
  }
  r.end();
  return msg;
}
