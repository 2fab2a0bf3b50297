import { describe, expect, it } from 'vitest';
import { JuteReader } from './jute-reader.js';
import { JuteWriter } from './jute-writer.js';
import {
  readAclList,
  readMultiHeader,
  readReplyHeader,
  readRequestHeader,
  readStat,
  readWatcherEvent,
  writeAclList,
  writeMultiHeader,
  writeReplyHeader,
  writeRequestHeader,
  writeStat,
  writeWatcherEvent,
} from './record-codec.js';
import type { Stat } from './records.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const stat = (over: Partial<Stat> = {}): Stat => ({
  czxid: 0x1_0000_0001,
  mzxid: 0x1_0000_0002,
  ctime: 1_700_000_000_123,
  mtime: 1_700_000_000_456,
  version: 3,
  cversion: -1,
  aversion: 2,
  ephemeralOwner: 0x0100_0000_0000_0abcn,
  dataLength: 11,
  numChildren: 4,
  pzxid: 0x1_0000_0003,
  ...over,
});

function encode(write: (w: JuteWriter) => void): Buffer {
  const w = new JuteWriter();
  write(w);
  return w.toBuffer();
}

describe('record codec', () => {
  it('a Stat is 68 bytes in the field order of zookeeper.jute (kazoo "!qqqqiiiqiiq")', () => {
    const s = stat();
    const buf = encode((w) => writeStat(w, s));
    expect(buf.length).toBe(68);
    expect(buf.readBigInt64BE(0)).toBe(0x1_0000_0001n);
    expect(buf.readBigInt64BE(16)).toBe(1_700_000_000_123n);
    expect(buf.readInt32BE(32)).toBe(3);
    expect(buf.readInt32BE(36)).toBe(-1);
    expect(buf.readInt32BE(40)).toBe(2);
    expect(buf.readBigInt64BE(44)).toBe(0x0100_0000_0000_0abcn);
    expect(buf.readInt32BE(52)).toBe(11);
    expect(buf.readInt32BE(56)).toBe(4);
    expect(buf.readBigInt64BE(60)).toBe(0x1_0000_0003n);
    expect(readStat(new JuteReader(buf))).toEqual(s);
  });

  it('round-trips container/TTL ephemeralOwner markers (negative longs)', () => {
    for (const owner of [-(1n << 63n), BigInt.asIntN(64, 0xff00_0000_0000_1388n)]) {
      const s = stat({ ephemeralOwner: owner });
      expect(readStat(new JuteReader(encode((w) => writeStat(w, s))))).toEqual(s);
    }
  });

  it('a ReplyHeader is 16 bytes, a RequestHeader 8, a MultiHeader 9', () => {
    const reply = encode((w) => writeReplyHeader(w, { xid: 5, zxid: 0x2_0000_0007, err: -101 }));
    expect(reply).toEqual(hex('00000005 0000000200000007 ffffff9b'));
    expect(readReplyHeader(new JuteReader(reply))).toEqual({ xid: 5, zxid: 0x2_0000_0007, err: -101 });

    const req = encode((w) => writeRequestHeader(w, { xid: -2, type: 11 }));
    expect(req).toEqual(hex('fffffffe 0000000b'));
    expect(readRequestHeader(new JuteReader(req))).toEqual({ xid: -2, type: 11 });

    const multi = encode((w) => writeMultiHeader(w, { type: -1, done: true, err: -1 }));
    expect(multi).toEqual(hex('ffffffff 01 ffffffff'));
    expect(readMultiHeader(new JuteReader(multi))).toEqual({ type: -1, done: true, err: -1 });
  });

  it('ACL lists round-trip, and null Id strings (kazoo) read as empty', () => {
    const acl = [
      { perms: 31, id: { scheme: 'world', id: 'anyone' } },
      { perms: 1, id: { scheme: 'digest', id: 'u:aYXlLOpEooaV1cRAvUL1fp9Qt7E=' } },
    ];
    expect(readAclList(new JuteReader(encode((w) => writeAclList(w, acl))))).toEqual(acl);
    // kazoo's CREATOR_ALL_ACL: Id("auth", "") with the empty id sent as length -1
    const kazoo = hex('00000001 0000001f 00000004 61757468 ffffffff');
    expect(readAclList(new JuteReader(kazoo))).toEqual([{ perms: 31, id: { scheme: 'auth', id: '' } }]);
    expect(readAclList(new JuteReader(hex('ffffffff')))).toEqual([]);
  });

  it('WatcherEvent round-trips', () => {
    const e = { type: 4, state: 3, path: '/a/b' } as const;
    const buf = encode((w) => writeWatcherEvent(w, e));
    expect(buf).toEqual(hex('00000004 00000003 00000004 2f612f62'));
    expect(readWatcherEvent(new JuteReader(buf))).toEqual(e);
  });
});
