/**
 * Micro-check (no timings asserted): the getData round trip, the hottest path of the benchmark
 * against Apache ZooKeeper, must not churn Buffers. We count Buffer allocations per operation,
 * which would grow if the writer regrew, copied, or built intermediate buffers per field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { JuteReader } from './jute-reader.js';
import { readReplyHeader } from './record-codec.js';
import type { Stat } from './records.js';
import { decodeRequest, encodeRequest } from './request-codec.js';
import { decodeReplyBody, encodeReply } from './response-codec.js';

const stat: Stat = {
  czxid: 0x1_0000_0001,
  mzxid: 0x1_0000_0002,
  ctime: 1_700_000_000_000,
  mtime: 1_700_000_000_000,
  version: 1,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 1024,
  numChildren: 0,
  pzxid: 0x1_0000_0001,
};
const data = Buffer.alloc(1024, 1);
const path = '/bench/node-0000000042';

const original = { allocUnsafe: Buffer.allocUnsafe, alloc: Buffer.alloc, concat: Buffer.concat };
let allocations = 0;
function countAllocations<T>(fn: () => T): { value: T; allocations: number } {
  allocations = 0;
  Buffer.allocUnsafe = ((n: number) => {
    allocations++;
    return original.allocUnsafe(n);
  }) as typeof Buffer.allocUnsafe;
  Buffer.alloc = ((...a: Parameters<typeof Buffer.alloc>) => {
    allocations++;
    return original.alloc(...a);
  }) as typeof Buffer.alloc;
  Buffer.concat = ((...a: Parameters<typeof Buffer.concat>) => {
    allocations++;
    return original.concat(...a);
  }) as typeof Buffer.concat;
  try {
    return { value: fn(), allocations };
  } finally {
    Object.assign(Buffer, original);
  }
}
afterEach(() => Object.assign(Buffer, original));

describe('codec allocation micro-check (getData)', () => {
  it('encodes a getData request into exactly one Buffer and decodes it with none', () => {
    const enc = countAllocations(() => encodeRequest(7, { op: 'getData', path, watch: true }));
    expect(enc.allocations).toBe(1);
    const dec = countAllocations(() => decodeRequest(enc.value.subarray(4)));
    expect(dec.allocations).toBe(0);
    expect(dec.value.request).toEqual({ op: 'getData', path, watch: true });
  });

  it('encodes a 1 KiB getData reply into one Buffer (no regrowth) and decodes it with one copy', () => {
    const enc = countAllocations(() =>
      encodeReply({ xid: 7, zxid: 0x1_0000_0002, err: 0 }, { op: 'getData', data, stat }),
    );
    expect(enc.allocations).toBe(1);
    expect(enc.value.length).toBe(4 + 16 + 4 + 1024 + 68);
    const dec = countAllocations(() => {
      const r = new JuteReader(enc.value, 4);
      readReplyHeader(r);
      return decodeReplyBody('getData', r);
    });
    expect(dec.allocations).toBe(1); // the data copy handed to the caller
    expect(dec.value).toEqual({ op: 'getData', data, stat });
  });

  it('prints an informational heap figure for 100k round trips', () => {
    const n = 100_000;
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const req = encodeRequest(i, { op: 'getData', path, watch: false });
      decodeRequest(req.subarray(4));
      const rep = encodeReply({ xid: i, zxid: i, err: 0 }, { op: 'getData', data, stat });
      const r = new JuteReader(rep, 4);
      readReplyHeader(r);
      bytes += (decodeReplyBody('getData', r) as { data: Buffer }).data.length;
    }
    const ms = performance.now() - t0;
    const after = process.memoryUsage().heapUsed;
    console.log(
      `getData codec round trip x${n}: ${((ms / n) * 1000).toFixed(2)} us/op (informational), ` +
        `heap delta ${((after - before) / 1024 / 1024).toFixed(1)} MiB`,
    );
    expect(bytes).toBe(n * 1024);
  });
});
