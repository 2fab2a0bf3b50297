import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeZabMessage, encodeZabMessage, ZabCodecError } from './message-codec.js';
import type { ZabMessage } from './messages.js';
import { makeZxid } from './zxid.js';

const buf = (s: string) => Buffer.from(s);
const big = makeZxid(2 ** 20, 2 ** 32 - 1);

const samples: ZabMessage[] = [
  { type: 'vote', state: 0, round: 7, vote: { leader: 3, zxid: big, peerEpoch: 2 ** 20 } },
  { type: 'followerinfo', syncId: 0xffffffff, acceptedEpoch: 4, observer: true },
  { type: 'leaderinfo', syncId: 1, epoch: 5, established: true },
  { type: 'ackepoch', syncId: 1, epoch: 5, currentEpoch: 4, lastZxid: makeZxid(4, 9) },
  {
    type: 'newleader',
    syncId: 9,
    epoch: 5,
    mode: 'snap',
    fromZxid: 3,
    truncTo: 0,
    snapshotZxid: makeZxid(4, 2),
    entries: [
      { zxid: makeZxid(4, 3), data: buf('a') },
      { zxid: makeZxid(4, 4), data: Buffer.alloc(0) },
    ],
    commitZxid: makeZxid(4, 3),
  },
  {
    type: 'newleader',
    syncId: 9,
    epoch: 5,
    mode: 'trunc',
    fromZxid: 8,
    truncTo: 6,
    snapshotZxid: 0,
    entries: [],
    commitZxid: 0,
  },
  {
    type: 'snap-chunk',
    syncId: 9,
    epoch: 5,
    zxid: makeZxid(4, 2),
    seq: 2 ** 40,
    last: true,
    data: Buffer.alloc(4096, 7),
  },
  { type: 'snap-chunk', syncId: 9, epoch: 5, zxid: 0, seq: 0, last: false, data: Buffer.alloc(0) },
  { type: 'ack-newleader', syncId: 9, epoch: 5, zxid: makeZxid(4, 4) },
  { type: 'uptodate', syncId: 9, epoch: 5, commitZxid: makeZxid(4, 4) },
  { type: 'proposal', epoch: 5, entry: { zxid: makeZxid(5, 1), data: buf('txn') } },
  { type: 'ack', epoch: 5, zxid: makeZxid(5, 1) },
  { type: 'commit', epoch: 5, zxid: makeZxid(5, 1) },
  { type: 'inform', epoch: 5, entries: [{ zxid: makeZxid(5, 1), data: buf('txn') }] },
  { type: 'ping', epoch: 5, commitZxid: 12 },
  { type: 'pong', epoch: 5, ackZxid: 3 },
  { type: 'request', epoch: 5, data: buf('create /x') },
  { type: 'sync-request', epoch: 5, requestId: 77 },
  { type: 'sync-reply', epoch: 5, requestId: 77, zxid: makeZxid(5, 1) },
];

describe('ZAB message codec', () => {
  it.each(samples.map((m) => [m.type, m] as const))('round-trips %s', (_t, msg) => {
    expect(decodeZabMessage(encodeZabMessage(msg))).toEqual(msg);
  });

  it('round-trips arbitrary proposals and votes (property)', () => {
    const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(safe, safe, fc.uint8Array({ maxLength: 64 }), (epoch, zxid, data) => {
        const m: ZabMessage = { type: 'proposal', epoch, entry: { zxid, data: Buffer.from(data) } };
        expect(decodeZabMessage(encodeZabMessage(m))).toEqual(m);
      }),
      { seed: 42 },
    );
  });

  it('rejects truncated, trailing and unknown input', () => {
    const ok = encodeZabMessage(samples[4]!);
    expect(() => decodeZabMessage(ok.subarray(0, ok.length - 1))).toThrow(ZabCodecError);
    expect(() => decodeZabMessage(Buffer.concat([ok, Buffer.from([0])]))).toThrow(ZabCodecError);
    expect(() => decodeZabMessage(Buffer.from([1, 99]))).toThrow(ZabCodecError);
    expect(() => decodeZabMessage(Buffer.from([2, 1]))).toThrow(/version/);
  });

  it('refuses to encode numbers it cannot represent exactly', () => {
    expect(() => encodeZabMessage({ type: 'pong', epoch: -1, ackZxid: 0 })).toThrow(ZabCodecError);
    expect(() => encodeZabMessage({ type: 'pong', epoch: 1.5, ackZxid: 0 })).toThrow(ZabCodecError);
  });
});
