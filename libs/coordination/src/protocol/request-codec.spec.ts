import { describe, expect, it } from 'vitest';
import { OpCode } from './constants.js';
import { MarshallingError, UnimplementedError } from './errors.js';
import { FrameDecoder } from './frame-decoder.js';
import { JuteWriter } from './jute-writer.js';
import type { ACL, Request } from './records.js';
import { decodeRequest, encodeRequest, opCodeOf } from './request-codec.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const OPEN: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const data = Buffer.from('hello');

/** encodeRequest gives a frame; decodeRequest takes the payload. */
const payloadOf = (frame: Buffer): Buffer => {
  expect(frame.readInt32BE(0)).toBe(frame.length - 4);
  return frame.subarray(4);
};

/** One example of every request the client protocol uses. */
export const EVERY_REQUEST: Request[] = [
  { op: 'create', path: '/a', data, acl: OPEN, flags: 0 },
  { op: 'create2', path: '/a/', data: Buffer.alloc(0), acl: OPEN, flags: 3 },
  { op: 'createContainer', path: '/c', data, acl: OPEN, flags: 4 },
  { op: 'createTTL', path: '/t', data, acl: OPEN, flags: 5, ttl: 5000 },
  { op: 'delete', path: '/a', version: -1 },
  { op: 'exists', path: '/a', watch: true },
  { op: 'getData', path: '/a', watch: false },
  { op: 'getChildren', path: '/', watch: true },
  { op: 'getChildren2', path: '/', watch: false },
  { op: 'setData', path: '/a', data, version: 7 },
  { op: 'getACL', path: '/a' },
  { op: 'setACL', path: '/a', acl: [{ perms: 1, id: { scheme: 'digest', id: 'u:x' } }, ...OPEN], version: 0 },
  { op: 'check', path: '/a', version: 2 },
  { op: 'sync', path: '/a' },
  { op: 'getAllChildrenNumber', path: '/a' },
  { op: 'getEphemerals', path: '' },
  { op: 'checkWatches', path: '/a', type: 2 },
  { op: 'removeWatches', path: '/a', type: 3 },
  { op: 'addWatch', path: '/a', mode: 1 },
  {
    op: 'setWatches',
    relativeZxid: 0x1_0000_0005,
    dataWatches: ['/d'],
    existWatches: [],
    childWatches: ['/c', '/c2'],
    persistentWatches: [],
    persistentRecursiveWatches: [],
  },
  {
    op: 'setWatches2',
    relativeZxid: 9,
    dataWatches: [],
    existWatches: ['/e'],
    childWatches: [],
    persistentWatches: ['/p'],
    persistentRecursiveWatches: ['/r', '/r2'],
  },
  { op: 'auth', type: 0, scheme: 'digest', auth: Buffer.from('u:p') },
  {
    op: 'multi',
    ops: [
      { op: 'create', path: '/m', data, acl: OPEN, flags: 0 },
      { op: 'create2', path: '/m2', data, acl: OPEN, flags: 2 },
      { op: 'createContainer', path: '/m3', data, acl: OPEN, flags: 4 },
      { op: 'createTTL', path: '/m4', data, acl: OPEN, flags: 6, ttl: 1 },
      { op: 'check', path: '/m', version: 0 },
      { op: 'setData', path: '/m', data, version: -1 },
      { op: 'delete', path: '/m', version: 1 },
    ],
  },
  { op: 'multi', ops: [] },
  {
    op: 'multiRead',
    ops: [
      { op: 'getData', path: '/a', watch: false },
      { op: 'getChildren', path: '/', watch: false },
    ],
  },
  {
    op: 'reconfig',
    joiningServers: 'server.4=127.0.0.1:2888:3888',
    leavingServers: null,
    newMembers: null,
    curConfigId: -1,
  },
  { op: 'ping' },
  { op: 'closeSession' },
  { op: 'whoAmI' },
];

describe('request codec', () => {
  it('covers every client opcode', () => {
    const ops = new Set(EVERY_REQUEST.map((q) => q.op));
    expect(ops.size).toBe(28);
  });

  for (const [i, req] of EVERY_REQUEST.entries()) {
    it(`round-trips ${req.op} #${i}`, () => {
      const frame = encodeRequest(42, req);
      const decoded = decodeRequest(payloadOf(frame));
      expect(decoded.header).toEqual({ xid: 42, type: opCodeOf(req) });
      expect(decoded.request).toEqual(req);
    });
  }

  it('opCodeOf maps op names to ZooKeeper opcodes', () => {
    expect(opCodeOf({ op: 'createContainer', path: '/', data, acl: [], flags: 4 })).toBe(19);
    expect(opCodeOf({ op: 'closeSession' })).toBe(-11);
    expect(opCodeOf({ op: 'addWatch', path: '/', mode: 0 })).toBe(106);
  });

  it('encodes getData exactly as ZooKeeper does', () => {
    expect(encodeRequest(1, { op: 'getData', path: '/a', watch: true })).toEqual(
      hex('0000000f 00000001 00000004 00000002 2f61 01'),
    );
    expect(encodeRequest(-2, { op: 'ping' })).toEqual(hex('00000008 fffffffe 0000000b'));
  });

  it('encodes multi as headers + records ended by {-1, true, -1}', () => {
    const frame = encodeRequest(3, { op: 'multi', ops: [{ op: 'delete', path: '/x', version: -1 }] });
    expect(frame).toEqual(
      hex(
        '00000024 00000003 0000000e' + '00000002 00 ffffffff 00000002 2f78 ffffffff' + 'ffffffff 01 ffffffff',
      ),
    );
  });

  it('decodes kazoo-style null strings as empty, and keeps null data null (ZooKeeper returns it as null)', () => {
    // create with path null, data null, ACL Id("auth", null), flags 0
    const w = new JuteWriter();
    w.int(1).int(OpCode.create).ustring(null).buffer(null);
    w.int(1).int(31).ustring('auth').ustring(null).int(0);
    expect(decodeRequest(w.toBuffer()).request).toEqual({
      op: 'create',
      path: '',
      data: null,
      acl: [{ perms: 31, id: { scheme: 'auth', id: '' } }],
      flags: 0,
    });
  });

  it('ends a multi at the done flag (whatever its type says) and ignores trailing bytes', () => {
    const w = new JuteWriter();
    w.int(5).int(OpCode.multi).int(OpCode.check).bool(false).int(-1).ustring('/a').int(1);
    w.int(99).bool(true).int(-1);
    w.raw(Buffer.from('trailing'));
    expect(decodeRequest(w.toBuffer()).request).toEqual({
      op: 'multi',
      ops: [{ op: 'check', path: '/a', version: 1 }],
    });
  });

  it('unknown opcode -> UnimplementedError carrying the xid', () => {
    for (const type of [0, 10, 20, 102, 9999, -10]) {
      const w = new JuteWriter().int(77).int(type).ustring('/a');
      const err = catchError(() => decodeRequest(w.toBuffer()));
      expect(err).toBeInstanceOf(UnimplementedError);
      expect(err.xid).toBe(77);
      expect(err.code).toBe(-6);
    }
  });

  it('undecodable body -> MarshallingError carrying the xid', () => {
    const frame = payloadOf(encodeRequest(12, { op: 'setData', path: '/a', data, version: 1 }));
    const err = catchError(() => decodeRequest(frame.subarray(0, frame.length - 2)));
    expect(err).toBeInstanceOf(MarshallingError);
    expect(err.xid).toBe(12);
  });

  it('unreadable header -> MarshallingError without xid', () => {
    const err = catchError(() => decodeRequest(hex('000000')));
    expect(err).toBeInstanceOf(MarshallingError);
    expect(err.xid).toBeUndefined();
  });

  it('rejects reads inside multi and writes inside multiRead ("Mixing different kind of ops")', () => {
    const mixed = (type: number, sub: number) => {
      const w = new JuteWriter().int(4).int(type);
      w.int(sub).bool(false).int(-1).ustring('/a').bool(false);
      w.int(-1).bool(true).int(-1);
      return w.toBuffer();
    };
    for (const [type, sub] of [
      [OpCode.multi, OpCode.getData],
      [OpCode.multi, OpCode.getChildren],
      [OpCode.multiRead, OpCode.exists],
      [OpCode.multi, OpCode.sync],
    ] as const) {
      const err = catchError(() => decodeRequest(mixed(type, sub)));
      expect(err).toBeInstanceOf(MarshallingError);
      expect(err.xid).toBe(4);
    }
    const w = new JuteWriter().int(4).int(OpCode.multiRead);
    w.int(OpCode.delete).bool(false).int(-1).ustring('/a').int(-1).int(-1).bool(true).int(-1);
    expect(catchError(() => decodeRequest(w.toBuffer())).message).toContain('Mixing different kind of ops');
  });

  it('rejects a multi that never sends its done header', () => {
    const frame = payloadOf(
      encodeRequest(6, { op: 'multi', ops: [{ op: 'delete', path: '/x', version: -1 }] }),
    );
    expect(() => decodeRequest(frame.subarray(0, frame.length - 9))).toThrow(MarshallingError);
  });

  it('decodes several pipelined frames from one chunk (auth + setWatches behind a request)', () => {
    const chunk = Buffer.concat([
      encodeRequest(-4, { op: 'auth', type: 0, scheme: 'digest', auth: Buffer.from('a:b') }),
      encodeRequest(-8, {
        op: 'setWatches',
        relativeZxid: 1,
        dataWatches: ['/a'],
        existWatches: [],
        childWatches: [],
        persistentWatches: [],
        persistentRecursiveWatches: [],
      }),
      encodeRequest(0, { op: 'getData', path: '/a', watch: false }),
    ]);
    const reqs = new FrameDecoder().push(chunk).map((p) => decodeRequest(p));
    expect(reqs.map((d) => [d.header.xid, d.request.op])).toEqual([
      [-4, 'auth'],
      [-8, 'setWatches'],
      [0, 'getData'],
    ]);
  });
});

function catchError(fn: () => unknown): MarshallingError {
  try {
    fn();
  } catch (e) {
    return e as MarshallingError;
  }
  throw new Error('expected a throw');
}
