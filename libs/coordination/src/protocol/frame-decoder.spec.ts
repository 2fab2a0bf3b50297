import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameTooLargeError } from './errors.js';
import { FrameDecoder, encodeFrame } from './frame-decoder.js';

const frames = (...payloads: string[]) => Buffer.concat(payloads.map((p) => encodeFrame(Buffer.from(p))));
const text = (bufs: Buffer[]) => bufs.map((b) => b.toString());

describe('FrameDecoder', () => {
  it('splits many small frames from one chunk, including empty ones', () => {
    const d = new FrameDecoder();
    expect(text(d.push(frames('a', '', 'bcd', 'ef')))).toEqual(['a', '', 'bcd', 'ef']);
    expect(d.buffered).toBe(0);
  });

  it('reassembles a frame fed one byte at a time (prefix split too)', () => {
    const d = new FrameDecoder();
    const all = frames('hello', 'world!');
    const out: string[] = [];
    for (let i = 0; i < all.length; i++) out.push(...text(d.push(all.subarray(i, i + 1))));
    expect(out).toEqual(['hello', 'world!']);
    expect(d.buffered).toBe(0);
  });

  it('emits the tail of one frame and the frames after it from the same chunk', () => {
    const d = new FrameDecoder();
    const all = frames('0123456789', 'x', 'yz');
    expect(d.push(all.subarray(0, 7))).toEqual([]);
    expect(d.buffered).toBe(7);
    expect(text(d.push(all.subarray(7)))).toEqual(['0123456789', 'x', 'yz']);
  });

  it('keeps payloads intact for any chunking (seeded property)', () => {
    const seed = Math.floor(Math.random() * 0x7fffffff);
    console.log(`FrameDecoder chunking property seed=${seed}`);
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(Buffer.from(p))));
          const points = [...new Set(cuts.map((c) => (stream.length ? c % stream.length : 0)))].sort(
            (a, b) => a - b,
          );
          const d = new FrameDecoder();
          const out: Buffer[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            out.push(...d.push(stream.subarray(prev, p)));
            prev = p;
          }
          expect(out.map((b) => Buffer.from(b))).toEqual(payloads.map((p) => Buffer.from(p)));
          expect(d.buffered).toBe(0);
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('rejects a length above the maximum or negative with FrameTooLargeError carrying it', () => {
    const over = Buffer.alloc(4);
    over.writeInt32BE(0xfffff + 1);
    const err = (() => {
      try {
        new FrameDecoder().push(over);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FrameTooLargeError);
    expect((err as FrameTooLargeError).length).toBe(0x100000);
    expect(() => new FrameDecoder().push(Buffer.from('ffffffff', 'hex'))).toThrow(FrameTooLargeError);
    // exactly the maximum is fine
    const d = new FrameDecoder(10);
    expect(d.push(encodeFrame(Buffer.alloc(10)))).toHaveLength(1);
    expect(() => d.push(encodeFrame(Buffer.alloc(11)))).toThrow(FrameTooLargeError);
  });

  it('rejects an oversized length as soon as its prefix completes across chunks, before buffering the body', () => {
    const d = new FrameDecoder(100);
    expect(d.push(Buffer.from([0x00, 0x00]))).toEqual([]);
    expect(() => d.push(Buffer.from([0x10, 0x00]))).toThrow(FrameTooLargeError);
  });

  it('reads "ruok" as an absurd length, so a 4lw never passes for a frame', () => {
    expect(() => new FrameDecoder().push(Buffer.from('ruok'))).toThrow(FrameTooLargeError);
  });

  it('stays linear for one big frame in many chunks (no O(n^2) concatenation)', () => {
    const payload = Buffer.alloc(1_000_000, 7);
    const stream = encodeFrame(payload);
    const d = new FrameDecoder(2_000_000);
    let out: Buffer[] = [];
    const concatSpy = countCalls(Buffer, 'concat');
    for (let i = 0; i < stream.length; i += 100) out = out.concat(d.push(stream.subarray(i, i + 100)));
    expect(concatSpy.restore()).toBe(1);
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(payload)).toBe(true);
  });
});

function countCalls<T extends object, K extends keyof T>(obj: T, key: K): { restore(): number } {
  const original = obj[key] as (...args: unknown[]) => unknown;
  let calls = 0;
  (obj as Record<K, unknown>)[key] = function (this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  return {
    restore() {
      (obj as Record<K, unknown>)[key] = original;
      return calls;
    },
  };
}
