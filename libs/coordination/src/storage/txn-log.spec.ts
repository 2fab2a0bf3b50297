import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataCorruptionError, LogUnavailableError, ZxidOrderError } from './errors.js';
import { ENTRY_HEADER_BYTES, SEGMENT_HEADER_BYTES } from './log-format.js';
import { collect, payloadFor, tempDir } from './test-helpers.js';
import { TxnLog } from './txn-log.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('txnlog')));
afterEach(async () => cleanup());

const EPOCH = 0x1_0000_0000; // zxids of epoch 1: exercise the high word

async function fill(log: TxnLog, from: number, to: number): Promise<void> {
  await Promise.all(
    Array.from({ length: to - from + 1 }, (_, i) =>
      log.append(EPOCH + from + i, payloadFor(EPOCH + from + i)),
    ),
  );
}

async function zxidsIn(d: string): Promise<number[]> {
  const log = await TxnLog.open(d);
  try {
    const entries = await collect(log.read(0));
    for (const e of entries) expect(e.payload).toEqual(payloadFor(e.zxid));
    return entries.map((e) => e.zxid - EPOCH);
  } finally {
    await log.close();
  }
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

async function segmentFiles(d: string): Promise<string[]> {
  return (await readdir(d)).filter((n) => n.startsWith('log.')).sort();
}

describe('TxnLog append and read', () => {
  it('round-trips across segment rolls and reopen', async () => {
    const log = await TxnLog.open(dir, { segmentBytes: 300 });
    expect(log.lastZxid).toBe(0);
    for (let z = 1; z <= 40; z++) await log.append(EPOCH + z, payloadFor(EPOCH + z));
    expect(log.lastZxid).toBe(EPOCH + 40);
    expect(log.segments().length).toBeGreaterThan(3);
    // Each segment is named after its first entry.
    for (const s of log.segments()) expect(s.path.endsWith(`log.${s.firstZxid.toString(16)}`)).toBe(true);

    const all = await collect(log.read(0));
    expect(all.map((e) => e.zxid - EPOCH)).toEqual(range(1, 40));
    const tail = await collect(log.read(EPOCH + 17));
    expect(tail.map((e) => e.zxid - EPOCH)).toEqual(range(18, 40));
    expect(tail[0]!.payload).toEqual(payloadFor(EPOCH + 18));
    await log.close();

    expect(await zxidsIn(dir)).toEqual(range(1, 40));
  });

  it('starts a new segment after reopen and on roll()', async () => {
    let log = await TxnLog.open(dir);
    await fill(log, 1, 3);
    await log.roll();
    await fill(log, 4, 5);
    await log.close();
    log = await TxnLog.open(dir);
    expect(log.lastZxid).toBe(EPOCH + 5);
    expect(log.firstZxid).toBe(EPOCH + 1);
    await fill(log, 6, 6);
    await log.close();
    expect(await segmentFiles(dir)).toEqual(
      [EPOCH + 1, EPOCH + 4, EPOCH + 6].map((z) => `log.${z.toString(16)}`).sort(),
    );
    expect(await zxidsIn(dir)).toEqual(range(1, 6));
  });

  it('rejects non-increasing zxids and leaves the log usable', async () => {
    const log = await TxnLog.open(dir);
    await log.append(EPOCH + 5, payloadFor(EPOCH + 5));
    await expect(log.append(EPOCH + 5, Buffer.alloc(1))).rejects.toBeInstanceOf(ZxidOrderError);
    await expect(log.append(EPOCH + 4, Buffer.alloc(1))).rejects.toBeInstanceOf(ZxidOrderError);
    await expect(log.append(0, Buffer.alloc(1))).rejects.toThrow(/invalid zxid/);
    await log.append(EPOCH + 6, payloadFor(EPOCH + 6));
    await log.close();
    await expect(log.append(EPOCH + 7, Buffer.alloc(1))).rejects.toBeInstanceOf(LogUnavailableError);
    expect(await zxidsIn(dir)).toEqual([5, 6]);
  });

  it('accepts empty payloads', async () => {
    const log = await TxnLog.open(dir);
    await log.append(1, Buffer.alloc(0));
    await log.append(2, Buffer.from('x'));
    await log.close();
    const again = await TxnLog.open(dir);
    expect((await collect(again.read(0))).map((e) => [e.zxid, e.payload.toString()])).toEqual([
      [1, ''],
      [2, 'x'],
    ]);
    await again.close();
  });
});

describe('TxnLog group commit', () => {
  it('makes 1000 concurrent appends durable with far fewer fsyncs', async () => {
    const log = await TxnLog.open(dir);
    await fill(log, 1, 1000);
    // Appends queued while a write+fsync is in flight share the next one.
    expect(log.stats.entries).toBe(1000);
    expect(log.stats.fsyncs).toBeLessThan(20);
    expect(log.stats.maxBatchEntries).toBeGreaterThan(50);
    console.log(
      `group commit: 1000 entries, ${log.stats.fsyncs} fsyncs, last fsync ${log.stats.lastFsyncMs.toFixed(2)} ms`,
    );
    // Never closed: durability must not depend on close().
    expect(await zxidsIn(dir)).toEqual(range(1, 1000));
    await log.close();
  });

  it('batches appends that arrive while an fsync is in flight', async () => {
    const log = await TxnLog.open(dir);
    const first = log.append(EPOCH + 1, payloadFor(EPOCH + 1));
    await Promise.resolve();
    await Promise.resolve(); // first flush has started
    const rest: Promise<void>[] = [];
    for (let z = 2; z <= 200; z++) rest.push(log.append(EPOCH + z, payloadFor(EPOCH + z)));
    await Promise.all([first, ...rest]);
    expect(log.stats.fsyncs).toBeLessThanOrEqual(3);
    await log.close();
    expect(await zxidsIn(dir)).toEqual(range(1, 200));
  });

  it('resolves appends only after their bytes are on disk', async () => {
    const log = await TxnLog.open(dir);
    let acked = 0;
    const ps = range(1, 50).map((z) => log.append(EPOCH + z, payloadFor(EPOCH + z)).then(() => acked++));
    expect(acked).toBe(0);
    await ps[0];
    // Whatever is acknowledged is readable from a fresh open of the directory.
    const n = acked;
    expect((await zxidsIn(dir)).length).toBeGreaterThanOrEqual(n);
    await Promise.all(ps);
    await log.close();
  });
});

/** Write five entries (zxids 1..5) into one segment; return the file path, its bytes, entry offsets. */
async function fiveEntrySegment(): Promise<{ path: string; bytes: Buffer; offsets: number[] }> {
  const log = await TxnLog.open(dir);
  for (let z = 1; z <= 5; z++) await log.append(EPOCH + z, payloadFor(EPOCH + z));
  await log.close();
  const path = join(dir, (await segmentFiles(dir))[0]!);
  const bytes = await readFile(path);
  const offsets: number[] = [];
  let pos = SEGMENT_HEADER_BYTES;
  while (pos < bytes.length) {
    offsets.push(pos);
    pos += ENTRY_HEADER_BYTES + bytes.readUInt32BE(pos);
  }
  expect(offsets.length).toBe(5);
  return { path, bytes, offsets };
}

describe('TxnLog torn tail and corruption', () => {
  it('drops exactly the last entry when the file is cut at any byte inside it', async () => {
    const { path, bytes, offsets } = await fiveEntrySegment();
    const last = offsets[4]!;
    for (let cut = last; cut < bytes.length; cut++) {
      await writeFile(path, bytes.subarray(0, cut));
      expect(await zxidsIn(dir), `cut at ${cut}`).toEqual([1, 2, 3, 4]);
      // The torn bytes are gone from disk, not merely skipped (zxidsIn opened it twice already).
      expect((await stat(path)).size).toBe(last);
    }
  });

  it('drops the last entry when any byte in it is flipped', async () => {
    const { path, bytes, offsets } = await fiveEntrySegment();
    for (let at = offsets[4]!; at < bytes.length; at++) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 0x40;
      await writeFile(path, bad);
      expect(await zxidsIn(dir), `flip at ${at}`).toEqual([1, 2, 3, 4]);
    }
  });

  it('refuses to open when any byte of an earlier entry is flipped', async () => {
    const { path, bytes, offsets } = await fiveEntrySegment();
    for (let at = offsets[1]!; at < offsets[2]!; at++) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 0x01;
      await writeFile(path, bad);
      await expect(TxnLog.open(dir), `flip at ${at}`).rejects.toThrow(DataCorruptionError);
      // Nothing was "repaired" away.
      expect((await stat(path)).size).toBe(bytes.length);
    }
    await expect(TxnLog.open(dir)).rejects.toThrow(
      /followed by valid entries; acknowledged transactions may be damaged/,
    );
  });

  it('refuses to open when an older segment is damaged, even at its end', async () => {
    let log = await TxnLog.open(dir);
    await fill(log, 1, 3);
    await log.close();
    log = await TxnLog.open(dir);
    await fill(log, 4, 6);
    await log.close();
    const older = join(
      dir,
      (await segmentFiles(dir)).find((n) => n === `log.${(EPOCH + 1).toString(16)}`)!,
    );
    const bytes = await readFile(older);
    await writeFile(older, bytes.subarray(0, bytes.length - 1));
    await expect(TxnLog.open(dir)).rejects.toThrow(/not the newest/);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 1]! ^= 0xff;
    await writeFile(older, flipped);
    await expect(TxnLog.open(dir)).rejects.toBeInstanceOf(DataCorruptionError);
  });

  it('treats zero-filled preallocated space as the end, and a zeroed last entry as torn', async () => {
    const log = await TxnLog.open(dir, { preallocate: true, preallocateBytes: 4096 });
    await fill(log, 1, 5);
    const path = log.segments()[0]!.path;
    expect((await stat(path)).size).toBe(4096);
    // Simulate a crash: the process dies without close(), leaving the preallocated zeros.
    const crashed = await TxnLog.open(dir);
    expect(crashed.lastZxid).toBe(EPOCH + 5);
    await crashed.close();
    expect((await stat(path)).size).toBeLessThan(4096);

    const { offsets } = await (async () => {
      const bytes = await readFile(path);
      const offs: number[] = [];
      for (let p = SEGMENT_HEADER_BYTES; p < bytes.length; p += ENTRY_HEADER_BYTES + bytes.readUInt32BE(p))
        offs.push(p);
      return { offsets: offs };
    })();
    const bytes = await readFile(path);
    const zeroed = Buffer.concat([
      bytes.subarray(0, offsets[4]!),
      Buffer.alloc(bytes.length - offsets[4]! + 512),
    ]);
    await writeFile(path, zeroed);
    expect(await zxidsIn(dir)).toEqual([1, 2, 3, 4]);
    await log.close();
  });

  it('removes a newest segment whose header never made it to disk', async () => {
    const log = await TxnLog.open(dir);
    await fill(log, 1, 2);
    await log.close();
    await writeFile(join(dir, `log.${(EPOCH + 3).toString(16)}`), Buffer.from([0x52, 0x47, 0x4c]));
    expect(await zxidsIn(dir)).toEqual([1, 2]);
    expect(await segmentFiles(dir)).toEqual([`log.${(EPOCH + 1).toString(16)}`]);
  });

  it('refuses a segment whose first entry does not match its name', async () => {
    const log = await TxnLog.open(dir);
    await fill(log, 1, 2);
    await log.close();
    const [name] = await segmentFiles(dir);
    const { rename } = await import('node:fs/promises');
    await rename(join(dir, name!), join(dir, 'log.5'));
    await expect(TxnLog.open(dir)).rejects.toThrow(/file name says/);
  });
});

describe('TxnLog truncateAfter', () => {
  it('drops later entries durably, then accepts new appends after the cut', async () => {
    const log = await TxnLog.open(dir, { segmentBytes: 200 });
    for (let z = 1; z <= 30; z++) await log.append(EPOCH + z, payloadFor(EPOCH + z));
    const segsBefore = log.segments().length;
    await log.truncateAfter(EPOCH + 12);
    expect(log.lastZxid).toBe(EPOCH + 12);
    expect(log.segments().length).toBeLessThan(segsBefore);
    expect((await collect(log.read(0))).map((e) => e.zxid - EPOCH)).toEqual(range(1, 12));
    // A different txn with a zxid that existed before the truncation.
    await log.append(EPOCH + 13, Buffer.from('new 13'));
    await log.close();

    const again = await TxnLog.open(dir);
    const entries = await collect(again.read(0));
    expect(entries.map((e) => e.zxid - EPOCH)).toEqual(range(1, 13));
    expect(entries[12]!.payload.toString()).toBe('new 13');
    await again.close();
  });

  it('truncates inside the segment being written and keeps writing to it', async () => {
    const log = await TxnLog.open(dir);
    await fill(log, 1, 10);
    await log.truncateAfter(EPOCH + 4);
    await fill(log, 5, 6);
    expect(log.segments().length).toBe(1);
    await log.close();
    expect(await zxidsIn(dir)).toEqual(range(1, 6));
  });

  it('lowers lastZxid to the real last entry and can empty the log', async () => {
    const log = await TxnLog.open(dir);
    await log.append(EPOCH + 1, payloadFor(EPOCH + 1));
    await log.append(EPOCH + 5, payloadFor(EPOCH + 5));
    await log.truncateAfter(EPOCH + 3);
    expect(log.lastZxid).toBe(EPOCH + 1);
    await log.truncateAfter(0);
    expect(log.lastZxid).toBe(0);
    expect(log.segments()).toEqual([]);
    await log.append(EPOCH + 2, payloadFor(EPOCH + 2));
    await log.close();
    expect(await zxidsIn(dir)).toEqual([2]);
  });
});

describe('TxnLog purge', () => {
  it('keeps the segment holding keepFromZxid and every later one', async () => {
    const log = await TxnLog.open(dir);
    for (const [a, b] of [
      [1, 10],
      [11, 20],
      [21, 30],
    ] as const) {
      await fill(log, a, b);
      await log.roll();
    }
    const deleted = await log.purge(EPOCH + 15);
    expect(deleted.map((p) => p.slice(p.lastIndexOf('/') + 1))).toEqual([`log.${(EPOCH + 1).toString(16)}`]);
    expect(log.firstZxid).toBe(EPOCH + 11);
    expect((await collect(log.read(EPOCH + 15))).map((e) => e.zxid - EPOCH)).toEqual(range(16, 30));
    // Exactly at a segment's first zxid: the segment before it is no longer needed.
    await log.purge(EPOCH + 21);
    expect(log.firstZxid).toBe(EPOCH + 21);
    await log.close();
    expect(await zxidsIn(dir)).toEqual(range(21, 30));
  });
});
