import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotStore, looksComplete } from './snapshot-store.js';
import { collect, tempDir } from './test-helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('snap')));
afterEach(async () => cleanup());

function chunksFor(zxid: number): Buffer[] {
  // An empty chunk, small ones, and one larger than the 1 MiB write buffer.
  return [
    Buffer.from(`state@${zxid}`),
    Buffer.alloc(0),
    Buffer.alloc(1_500_000, zxid & 0xff),
    ...Array.from({ length: 300 }, (_, i) => Buffer.from(`node-${i}-${zxid}`)),
  ];
}

/** Compare chunk lists by content without vitest's slow deep-equal over megabyte buffers. */
function expectSameChunks(actual: Buffer[], expected: Buffer[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((c, i) => expect(c.equals(expected[i]!), `chunk ${i}`).toBe(true));
}

async function* slowly(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const c of chunks) {
    yield c;
    await new Promise<void>((r) => setImmediate(r)); // a fuzzy snapshot yields to the event loop
  }
}

describe('SnapshotStore', () => {
  it('returns chunks exactly as written, from sync or async iterables', async () => {
    const store = await SnapshotStore.open(dir);
    const zxid = 0x3_0000_0010;
    const path = await store.write(zxid, slowly(chunksFor(zxid)));
    expect(path).toBe(join(dir, 'snapshot.300000010'));
    await store.write(7, chunksFor(7));
    const snap = await store.latestValid();
    expect(snap?.zxid).toBe(zxid);
    expectSameChunks(await collect(snap!.chunks()), chunksFor(zxid));
    expect((await store.list()).map((f) => f.zxid)).toEqual([7, zxid]);
    expect(await readdir(dir)).not.toContain('snapshot.300000010.tmp');
  });

  it('skips a newest snapshot with a flipped byte or cut short, falling back to an older one', async () => {
    const store = await SnapshotStore.open(dir);
    await store.write(10, chunksFor(10));
    await store.write(20, chunksFor(20));
    const newest = join(dir, 'snapshot.14');
    const bytes = await readFile(newest);
    for (const at of [0, 9, 20, 5000, bytes.length - 13, bytes.length - 5, bytes.length - 1]) {
      const bad = Buffer.from(bytes);
      bad[at]! ^= 0x10;
      await writeFile(newest, bad);
      const snap = await store.latestValid();
      expect(snap?.zxid, `flip at ${at}`).toBe(10);
      expectSameChunks(await collect(snap!.chunks()), chunksFor(10));
    }
    await writeFile(newest, bytes.subarray(0, bytes.length - 1));
    expect((await store.latestValid())?.zxid).toBe(10);
    expect(await looksComplete(newest)).toBe(false);
    await writeFile(newest, bytes);
    expect((await store.latestValid())?.zxid).toBe(20);
    expect(await looksComplete(newest)).toBe(true);
  });

  it('returns undefined when nothing is valid, and chunks() notices a file damaged after checking', async () => {
    const store = await SnapshotStore.open(dir);
    expect(await store.latestValid()).toBeUndefined();
    await store.write(5, chunksFor(5));
    const snap = await store.latestValid();
    const path = join(dir, 'snapshot.5');
    const bytes = await readFile(path);
    bytes[bytes.length - 20]! ^= 1;
    await writeFile(path, bytes);
    await expect(collect(snap!.chunks())).rejects.toThrow(/crc mismatch/);
    expect(await store.latestValid()).toBeUndefined();
  });

  it('removes leftover .tmp files on open and deletes snapshots newer than a zxid', async () => {
    await writeFile(join(dir, 'snapshot.99.tmp'), 'half written');
    const store = await SnapshotStore.open(dir);
    expect(await readdir(dir)).toEqual([]);
    for (const z of [1, 2, 3]) await store.write(z, [Buffer.from([z])]);
    expect((await store.removeNewerThan(1)).length).toBe(2);
    expect((await store.list()).map((f) => f.zxid)).toEqual([1]);
  });

  it('leaves no snapshot behind when the chunk source fails', async () => {
    const store = await SnapshotStore.open(dir);
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('a');
      throw new Error('tree walk failed');
    }
    await expect(store.write(4, failing())).rejects.toThrow('tree walk failed');
    expect(await readdir(dir)).toEqual([]);
  });
});
