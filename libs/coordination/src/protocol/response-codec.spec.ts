import { describe, expect, it } from 'vitest';
import { ErrorCode } from './constants.js';
import { JuteReader } from './jute-reader.js';
import { readReplyHeader } from './record-codec.js';
import type { Request, Response, Stat } from './records.js';
import { decodeNotification, decodeReplyBody, encodeNotification, encodeReply } from './response-codec.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const stat: Stat = {
  czxid: 1,
  mzxid: 2,
  ctime: 1_700_000_000_000,
  mtime: 1_700_000_000_001,
  version: 1,
  cversion: 2,
  aversion: 0,
  ephemeralOwner: 0x0100_0000_0000_0001n,
  dataLength: 3,
  numChildren: 0,
  pzxid: 1,
};
const data = Buffer.from('abc');

/** [request op that was answered, response] for every response shape. */
const EVERY_RESPONSE: [Request['op'], Response][] = [
  ['create', { op: 'create', path: '/a0000000001' }],
  ['create2', { op: 'create2', path: '/a', stat }],
  ['createContainer', { op: 'createContainer', path: '/c', stat }],
  ['createTTL', { op: 'createTTL', path: '/t', stat }],
  ['exists', { op: 'exists', stat }],
  ['setData', { op: 'setData', stat }],
  ['setACL', { op: 'setACL', stat }],
  ['check', { op: 'check', stat }],
  ['getData', { op: 'getData', data, stat }],
  ['getData', { op: 'getData', data: Buffer.alloc(0), stat }],
  ['getChildren', { op: 'getChildren', children: ['a', 'b', 'ü'] }],
  ['getChildren', { op: 'getChildren', children: [] }],
  ['getChildren2', { op: 'getChildren2', children: ['x'], stat }],
  ['getACL', { op: 'getACL', acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], stat }],
  ['sync', { op: 'sync', path: '/a' }],
  ['getAllChildrenNumber', { op: 'getAllChildrenNumber', totalNumber: 12 }],
  ['getEphemerals', { op: 'getEphemerals', ephemerals: ['/e1', '/x/e2'] }],
  [
    'whoAmI',
    {
      op: 'whoAmI',
      clientInfo: [
        { authScheme: 'ip', user: '127.0.0.1' },
        { authScheme: 'digest', user: 'u' },
      ],
    },
  ],
  [
    'multi',
    {
      op: 'multi',
      results: [
        { op: 'create', path: '/m' },
        { op: 'create2', path: '/m2', stat },
        { op: 'setData', stat },
        { op: 'check' },
        { op: 'delete' },
      ],
    },
  ],
  [
    'multiRead',
    {
      op: 'multiRead',
      results: [
        { op: 'getData', data, stat },
        { op: 'getChildren', children: ['k'] },
        { op: 'error', err: ErrorCode.NONODE },
      ],
    },
  ],
  ['addWatch', { op: 'addWatch' }],
  ['delete', { op: 'empty' }],
  ['ping', { op: 'empty' }],
  ['setWatches', { op: 'empty' }],
  ['removeWatches', { op: 'empty' }],
];

function decodeFrame(frame: Buffer, op: Request['op']) {
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  const r = new JuteReader(frame, 4);
  const header = readReplyHeader(r);
  const response = header.err === 0 ? decodeReplyBody(op, r) : undefined;
  expect(r.remaining).toBe(0);
  return { header, response };
}

describe('response codec', () => {
  for (const [i, [op, res]] of EVERY_RESPONSE.entries()) {
    it(`round-trips the ${res.op} reply to ${op} #${i}`, () => {
      const header = { xid: 9, zxid: 0x5_0000_0001, err: 0 };
      expect(decodeFrame(encodeReply(header, res), op)).toEqual({ header, response: res });
    });
  }

  it('sends only the 16-byte header when err != 0, even if a body is given', () => {
    const frame = encodeReply({ xid: 3, zxid: 10, err: ErrorCode.NONODE }, { op: 'getData', data, stat });
    expect(frame).toEqual(hex('00000010 00000003 000000000000000a ffffff9b'));
  });

  it('sends the header alone for {op: empty} and for no response', () => {
    expect(encodeReply({ xid: -2, zxid: 10, err: 0 }, { op: 'empty' }).length).toBe(20);
    expect(encodeReply({ xid: -2, zxid: 10, err: 0 }).length).toBe(20);
  });

  it('an addWatch reply body is ErrorResponse{err: 0}: 4 zero bytes', () => {
    const frame = encodeReply({ xid: 1, zxid: 1, err: 0 }, { op: 'addWatch' });
    expect(frame.length).toBe(4 + 16 + 4);
    expect(frame.subarray(20)).toEqual(hex('00000000'));
  });

  it('a failed multi: header err 0, results [0, code, -2] as ErrorResponses, then the done header', () => {
    const frame = encodeReply(
      { xid: 8, zxid: 33, err: 0 },
      {
        op: 'multi',
        results: [
          { op: 'error', err: 0 },
          { op: 'error', err: ErrorCode.BADVERSION },
          { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY },
        ],
      },
    );
    expect(frame).toEqual(
      hex(
        '00000040' +
          '00000008 0000000000000021 00000000' +
          'ffffffff 00 00000000 00000000' +
          'ffffffff 00 ffffff99 ffffff99' +
          'ffffffff 00 fffffffe fffffffe' +
          'ffffffff 01 ffffffff',
      ),
    );
  });

  it('echoes create as type 1 and create2 as type 15 inside multi results', () => {
    const frame = encodeReply(
      { xid: 1, zxid: 1, err: 0 },
      {
        op: 'multi',
        results: [
          { op: 'create', path: '/a' },
          { op: 'create2', path: '/b', stat },
        ],
      },
    );
    expect(frame.readInt32BE(20)).toBe(1);
    expect(frame.readInt32BE(20 + 9 + 6)).toBe(15);
  });

  it('decodes reconfig replies as GetDataResponse and unknown multi result types as errors', () => {
    const frame = encodeReply({ xid: 1, zxid: 1, err: 0 }, { op: 'getData', data, stat });
    expect(decodeFrame(frame, 'reconfig').response).toEqual({ op: 'getData', data, stat });
    const bad = hex('00000063 00 00000000');
    expect(() => decodeReplyBody('multi', new JuteReader(bad))).toThrow(/invalid multi result type 99/);
  });

  it('encodes notifications with ReplyHeader {xid -1, zxid -1, err 0}', () => {
    const frame = encodeNotification({ type: 3, state: 3, path: '/a' });
    expect(frame).toEqual(hex('0000001e ffffffff ffffffffffffffff 00000000 00000003 00000003 00000002 2f61'));
    expect(decodeNotification(frame.subarray(4))).toEqual({
      header: { xid: -1, zxid: -1, err: 0 },
      event: { type: 3, state: 3, path: '/a' },
    });
    expect(encodeNotification({ type: 1, state: 3, path: '/b' }, 77).readBigInt64BE(8)).toBe(77n);
  });
});
