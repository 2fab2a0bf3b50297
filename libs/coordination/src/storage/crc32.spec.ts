import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from './crc32.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });

  it('continues a running value and agrees with the table fallback', () => {
    const seed = 0x5eed;
    console.log(`crc32 seed ${seed}`);
    let x = seed;
    const data = Buffer.alloc(5000);
    for (let i = 0; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    for (const cut of [0, 1, 17, 2500, 4999, 5000]) {
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      expect(crc32(b, crc32(a))).toBe(crc32(data));
      expect(crc32Table(b, crc32Table(a))).toBe(crc32(data));
    }
  });
});
