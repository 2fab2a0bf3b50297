/**
 * validEntryFollows decides whether damage in the newest segment is a torn tail (nothing valid after
 * it: cut it off) or lost acknowledged data (a valid entry after it: refuse to start). After a kill
 * -9 the tail is usually a long run of preallocated zeros; the scan must still find an entry hidden
 * anywhere in it, at any alignment, and find none in zeros alone.
 */
import { describe, expect, it } from 'vitest';
import { ENTRY_HEADER_BYTES, encodeEntryInto, validEntryFollows } from './log-format.js';
import { payloadFor } from './test-helpers.js';

const ZXID = 0x1_0000_0042;

function tailWithEntryAt(size: number, at: number, zxid = ZXID): Buffer {
  const payload = payloadFor(zxid);
  const tail = Buffer.alloc(size);
  encodeEntryInto(tail, at, zxid, payload);
  return tail;
}

describe('validEntryFollows', () => {
  it('finds no entry in zeros alone, however long', () => {
    expect(validEntryFollows(Buffer.alloc(4 * 1024 * 1024), 0, 0)).toBe(false);
  });

  it('finds an entry after a long zero run at every alignment and near chunk edges', () => {
    const size = 300_000;
    const len = ENTRY_HEADER_BYTES + payloadFor(ZXID).length;
    for (const at of [1, 7, 8, 15, 16, 17, 65_535, 65_536, 65_537, 131_071, size - len]) {
      expect(validEntryFollows(tailWithEntryAt(size, at), 0, 5), `entry at ${at}`).toBe(true);
    }
  });

  it('ignores an entry whose zxid is not above the last good one, and one before `from`', () => {
    expect(validEntryFollows(tailWithEntryAt(100_000, 70_000), 0, ZXID)).toBe(false);
    expect(validEntryFollows(tailWithEntryAt(100_000, 10), 11, 0)).toBe(false);
  });

  it('finds an entry after bytes that look like garbage headers', () => {
    const tail = tailWithEntryAt(200_000, 150_001);
    for (let i = 100; i < 120_000; i += 997) tail[i] = (i * 31) & 0xff;
    expect(validEntryFollows(tail, 0, 0)).toBe(true);
  });
});
