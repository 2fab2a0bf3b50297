import { describe, expect, it } from 'vitest';
import { MarshallingError } from './errors.js';
import { JuteReader } from './jute-reader.js';
import { JuteWriter } from './jute-writer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('JuteWriter / JuteReader primitives', () => {
  it('writes big-endian ints, longs and booleans in jute layout', () => {
    const w = new JuteWriter(1);
    w.int(-2).long(-1n).zxid(0x1_0000_0002).bool(true).bool(false);
    expect(w.toBuffer()).toEqual(hex('fffffffe ffffffffffffffff 0000000100000002 01 00'));
  });

  it('round-trips zxid() for negative and large values without BigInt', () => {
    for (const v of [
      0,
      -1,
      1,
      2 ** 32 - 1,
      2 ** 32,
      -(2 ** 32) - 5,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
    ]) {
      const r = new JuteReader(new JuteWriter().zxid(v).toBuffer());
      expect(r.zxid()).toBe(v);
    }
    // zxid(-1) is exactly the bytes of long -1 (notifications carry zxid -1).
    expect(new JuteWriter().zxid(-1).toBuffer()).toEqual(new JuteWriter().long(-1n).toBuffer());
  });

  it('writes longs over the full signed range and accepts unsigned ids, reading back signed', () => {
    const w = new JuteWriter();
    w.long(-(1n << 63n))
      .long((1n << 63n) - 1n)
      .long(0xff00000000000005n);
    const r = new JuteReader(w.toBuffer());
    expect(r.long()).toBe(-(1n << 63n));
    expect(r.long()).toBe((1n << 63n) - 1n);
    expect(r.long()).toBe(BigInt.asIntN(64, 0xff00000000000005n));
    expect(() => new JuteWriter().long(1n << 64n)).toThrow(RangeError);
    expect(() => new JuteWriter().zxid(0.5)).toThrow(RangeError);
  });

  it('encodes strings as UTF-8 byte length + bytes, null as -1, and grows past its hint', () => {
    const w = new JuteWriter(1);
    const long = 'é'.repeat(1000) + '😀';
    w.ustring('').ustring(null).ustring('/a').ustring(long);
    const buf = w.toBuffer();
    expect(buf.subarray(0, 14)).toEqual(hex('00000000 ffffffff 00000002 2f61'));
    expect(buf.readInt32BE(14)).toBe(Buffer.byteLength(long));
    const r = new JuteReader(buf);
    expect(r.ustring()).toBe('');
    expect(r.ustring()).toBeNull();
    expect(r.string()).toBe('/a');
    expect(r.string()).toBe(long);
    expect(r.remaining).toBe(0);
  });

  it('string() and bytes() read null as empty; buffer() returns a copy', () => {
    const src = new JuteWriter().ustring(null).buffer(null).buffer(Buffer.from('xy')).toBuffer();
    const r = new JuteReader(src);
    expect(r.string()).toBe('');
    expect(r.bytes()).toEqual(Buffer.alloc(0));
    const b = r.buffer()!;
    expect(b.toString()).toBe('xy');
    src[src.length - 1] = 0x41;
    expect(b.toString()).toBe('xy');
  });

  it('vectors: null as -1, list() reads null as []', () => {
    const w = new JuteWriter();
    w.vector(null, (x, n: number) => x.int(n))
      .vector([1, 2, 3], (x, n) => x.int(n))
      .stringList(['a', 'bc']);
    const buf = w.toBuffer();
    expect(buf.subarray(0, 8)).toEqual(hex('ffffffff 00000003'));
    const r = new JuteReader(buf);
    expect(r.list((x) => x.int())).toEqual([]);
    expect(r.vector((x) => x.int())).toEqual([1, 2, 3]);
    expect(r.stringList()).toEqual(['a', 'bc']);
  });

  it('toFrame() prefixes the payload length and shares the payload bytes', () => {
    const w = new JuteWriter();
    w.int(7).ustring('abc');
    expect(w.toFrame()).toEqual(hex('0000000b 00000007 00000003 616263'));
    expect(w.length).toBe(11);
  });

  it('honours the reader window [offset, end)', () => {
    const buf = hex('00000001 00000002 00000003');
    const r = new JuteReader(buf, 4, 8);
    expect(r.offset).toBe(4);
    expect(r.int()).toBe(2);
    expect(() => r.int()).toThrow(MarshallingError);
    expect(() => new JuteReader(buf, 0, 99)).toThrow(MarshallingError);
  });
});

describe('JuteReader never trusts a length', () => {
  const cases: [string, string, (r: JuteReader) => unknown][] = [
    ['negative string length', 'fffffffe', (r) => r.ustring()],
    ['string past the end', '00000005 6162', (r) => r.string()],
    ['buffer of 0x7fffffff bytes', '7fffffff 00', (r) => r.buffer()],
    ['negative buffer length', '80000000', (r) => r.bytes()],
    ['vector of 0x7fffffff elements', '7fffffff 00000000', (r) => r.vector((x) => x.int())],
    ['vector count too big for its minimum element size', '00000003 0000000000', (r) => r.stringList()],
    ['negative vector count', 'fffffff0', (r) => r.list((x) => x.bool())],
    ['truncated int', '0000', (r) => r.int()],
    ['truncated long', '00000000000000', (r) => r.long()],
    ['missing boolean', '', (r) => r.bool()],
  ];
  for (const [name, bytes, read] of cases) {
    it(`throws MarshallingError for ${name}`, () => {
      expect(() => read(new JuteReader(hex(bytes)))).toThrow(MarshallingError);
    });
  }

  it('reads a 0x7fffffff vector count without invoking the element reader', () => {
    let calls = 0;
    const r = new JuteReader(hex('7fffffff' + '00'.repeat(64)));
    expect(() =>
      r.vector((x) => {
        calls++;
        return x.bool();
      }),
    ).toThrow(MarshallingError);
    expect(calls).toBe(0);
  });
});
