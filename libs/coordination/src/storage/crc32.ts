/**
 * CRC-32 (IEEE 802.3, the zlib/gzip polynomial) over bytes, with an optional running value so
 * large inputs can be checksummed piece by piece.
 *
 * Node 20.15+ ships `zlib.crc32` (native, much faster than JS); the table version is kept as a
 * fallback so the module also loads on older 20.x runtimes. Both produce identical values.
 */
import * as zlib from 'node:zlib';

type Crc32Fn = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** Pure-JS CRC-32; exported for the cross-check test only. */
export function crc32Table(data: Uint8Array, value = 0): number {
  table ??= makeTable();
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const native: Crc32Fn | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function'
    ? (data, value) => (zlib as unknown as { crc32: Crc32Fn }).crc32(data, value ?? 0) >>> 0
    : undefined;

/**
 * CRC-32 of `data`, continuing from `value` (the CRC of the bytes before it; 0 to start).
 *
 * @example
 * crc32(Buffer.from('123456789')) === 0xcbf43926
 * crc32(b, crc32(a)) === crc32(Buffer.concat([a, b]))
 */
export const crc32: (data: Uint8Array, value?: number) => number = native ?? crc32Table;
