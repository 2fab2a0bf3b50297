import { describe, expect, it } from 'vitest';

import { decodeHello, encodeHello, HELLO_FRAME_BYTES } from './link-hello.js';

describe('link hello', () => {
  it('round-trips kind, sender and receiver ids up to u32 max', () => {
    for (const hello of [
      { kind: 'quorum', from: 1, to: 2 },
      { kind: 'election', from: 0xffffffff, to: 0 },
    ] as const) {
      const b = encodeHello(hello);
      expect(b.length).toBe(HELLO_FRAME_BYTES);
      expect(b.readUInt32BE(0)).toBe(HELLO_FRAME_BYTES - 4); // it is an ordinary length-prefixed frame
      expect(decodeHello(b)).toEqual(hello);
    }
  });

  it('rejects every corrupted header byte and a wrong size', () => {
    const good = encodeHello({ kind: 'quorum', from: 1, to: 2 });
    // Bytes 0..11 are length, magic, version, kind and the reserved field: any change is rejected.
    for (let i = 0; i < 12; i++) {
      const bad = Buffer.from(good);
      bad[i] = bad[i]! ^ 0x80;
      expect(typeof decodeHello(bad), `byte ${i}`).toBe('string');
    }
    expect(typeof decodeHello(good.subarray(0, HELLO_FRAME_BYTES - 1))).toBe('string');
    expect(typeof decodeHello(Buffer.concat([good, Buffer.alloc(1)]))).toBe('string');
  });
});
