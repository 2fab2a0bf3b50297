/**
 * What survives a simulated power loss: exactly what was fsynced (file data) and what a directory
 * fsync published (names). A crash is modelled by `crash()` on one instance and a fresh instance
 * over the same directories, which sees only the real files.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeEpochFile, readEpochFile } from './epoch-file.js';
import { writeFileAtomic } from './fs-util.js';
import { LoseUnsyncedFileSystem, PowerLossError, parseCrashPoints } from './lose-unsynced-file-system.js';
import { tempDir } from './test-helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('lose-unsynced')));
afterEach(async () => cleanup());

const text = (b: Buffer) => b.toString('utf8');

async function writeNew(fs: LoseUnsyncedFileSystem, path: string, data: string, sync: boolean) {
  const f = await fs.open(path, 'wx+');
  const b = Buffer.from(data);
  await f.write(b, 0, b.length, 0);
  if (sync) await f.sync();
  await f.close();
}

/** Power loss: the old instance is gone; a new one sees the disk. */
function reboot(fs: LoseUnsyncedFileSystem): LoseUnsyncedFileSystem {
  fs.crash();
  return new LoseUnsyncedFileSystem();
}

describe('LoseUnsyncedFileSystem', () => {
  it('serves unsynced writes to readers before the crash, as the page cache does', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'a');
    await writeNew(fs, p, 'hello', false);
    expect(text(await fs.readFile(p))).toBe('hello');
    expect(await fs.readdir(dir)).toEqual(['a']);
    expect(await fs.size(p)).toBe(5);
    // Nothing reached the real directory.
    expect(await readdir(dir)).toEqual([]);
  });

  it('loses a new file whose directory was never fsynced, even when the file was (torn create)', async () => {
    const fs = new LoseUnsyncedFileSystem();
    await writeNew(fs, join(dir, 'synced-file'), 'data', true);
    const after = reboot(fs);
    expect(await after.readdir(dir)).toEqual([]);
  });

  it('keeps a new file once both the file and its directory are fsynced', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'f');
    await writeNew(fs, p, 'durable', true);
    await fs.fsyncDir(dir);
    const after = reboot(fs);
    expect(text(await after.readFile(p))).toBe('durable');
  });

  it('publishes a created name with only its fsynced content when the directory is fsynced first', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'f');
    const f = await fs.open(p, 'wx+');
    await f.write(Buffer.from('abc'), 0, 3, 0);
    await f.sync();
    await f.write(Buffer.from('def'), 0, 3, 3);
    await fs.fsyncDir(dir);
    expect(text(await fs.readFile(p))).toBe('abcdef');
    const after = reboot(fs);
    expect(text(await after.readFile(p))).toBe('abc');
  });

  it('drops appends after the last fsync and keeps the fsynced prefix', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'log');
    await writeNew(fs, p, 'one;', true);
    await fs.fsyncDir(dir);
    const f = await fs.open(p, 'r+');
    f.writeSync(Buffer.from('two;'), 0, 4, 4);
    await f.datasync();
    f.writeSync(Buffer.from('three;'), 0, 6, 8);
    expect(text(await fs.readFile(p))).toBe('one;two;three;');
    const after = reboot(fs);
    expect(text(await after.readFile(p))).toBe('one;two;');
  });

  it('undoes an unsynced truncate, and a sparse extension reads as zeros', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'seg');
    await writeNew(fs, p, '0123456789', true);
    await fs.fsyncDir(dir);
    const f = await fs.open(p, 'r+');
    await f.truncate(4);
    await f.truncate(8);
    const b = Buffer.alloc(8);
    await f.read(b, 0, 8, 0);
    expect([...b.subarray(4)]).toEqual([0, 0, 0, 0]);
    expect(text(b.subarray(0, 4))).toBe('0123');
    const after = reboot(fs);
    expect(text(await after.readFile(p))).toBe('0123456789');
  });

  it('undoes a rename without a directory fsync: the old target content is back, the tmp name gone', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const target = join(dir, 'currentEpoch');
    await writeFileAtomic(target, Buffer.from('1\n'), { fs });
    const tmp = `${target}.tmp`;
    await writeNew(fs, tmp, '2\n', true);
    await fs.rename(tmp, target);
    expect(text(await fs.readFile(target))).toBe('2\n');
    const after = reboot(fs);
    expect(text(await after.readFile(target))).toBe('1\n');
    expect(await after.readdir(dir)).toEqual(['currentEpoch']);
  });

  it('undoes an unlink without a directory fsync and applies it with one', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'old-segment');
    await writeNew(fs, p, 'x', true);
    await fs.fsyncDir(dir);
    await fs.unlink(p);
    expect(await fs.readdir(dir)).toEqual([]);
    let after = reboot(fs);
    expect(await after.readdir(dir)).toEqual(['old-segment']);
    await after.unlink(p);
    await after.fsyncDir(dir);
    after = reboot(after);
    expect(await after.readdir(dir)).toEqual([]);
  });

  it('keeps an unlinked file readable through a handle still open on it', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'held');
    await writeNew(fs, p, 'still here', true);
    await fs.fsyncDir(dir);
    const f = await fs.open(p, 'r');
    await fs.unlink(p);
    await fs.fsyncDir(dir);
    expect(await readdir(dir)).toEqual([]);
    const b = Buffer.alloc(10);
    await f.read(b, 0, 10, 0);
    expect(text(b)).toBe('still here');
    await f.close();
  });

  it('makes writeFileAtomic and writeEpochFile durable, old-or-new across a crash at any step', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const p = join(dir, 'acceptedEpoch');
    await writeEpochFile(p, 4, { fs });
    const after = reboot(fs);
    expect(await readEpochFile(p, after)).toBe(4);
    expect(await readFile(p, 'utf8')).toBe('4\n');
  });

  it('refuses every call after crash()', async () => {
    const fs = new LoseUnsyncedFileSystem();
    const f = await fs.open(join(dir, 'x'), 'wx+');
    fs.crash();
    await expect(fs.readdir(dir)).rejects.toBeInstanceOf(PowerLossError);
    expect(() => f.writeSync(Buffer.from('a'), 0, 1, 0)).toThrow(PowerLossError);
  });

  it('fires an armed crash point and counts every point reached', async () => {
    const fired: string[] = [];
    const fs = new LoseUnsyncedFileSystem({
      crashPoints: ['atomic-file.renamed'],
      onCrash: (point) => {
        fired.push(point);
        throw new PowerLossError();
      },
    });
    const p = join(dir, 'currentEpoch');
    await expect(writeEpochFile(p, 7, { fs })).rejects.toBeInstanceOf(PowerLossError);
    expect(fired).toEqual(['atomic-file.renamed']);
    expect(fs.reached.get('atomic-file.written')).toBe(1);
    // Renamed but the directory never fsynced: after the power loss the file does not exist.
    const after = reboot(fs);
    expect(await readEpochFile(p, after)).toBeUndefined();
  });

  it('with a slow disk, an fsync covers only what was written before it began', async () => {
    const fs = new LoseUnsyncedFileSystem({ syncDelayMs: 30 });
    const p = join(dir, 'log');
    await writeNew(fs, p, 'a', true);
    await fs.fsyncDir(dir);
    const f = await fs.open(p, 'r+');
    f.writeSync(Buffer.from('b'), 0, 1, 1);
    const syncing = f.datasync();
    f.writeSync(Buffer.from('c'), 0, 1, 2);
    await syncing;
    const after = reboot(fs);
    expect(text(await after.readFile(p))).toBe('ab');
  });

  it('keeps an fsync that runs while another fsync of the directory publishes the same file', async () => {
    // Found by the durability chaos scenario: a snapshot's directory fsync published an epoch
    // file's tmp name while the tmp was being fsynced, and the file came back empty.
    const fs = new LoseUnsyncedFileSystem();
    const tmp = join(dir, 'acceptedEpoch.tmp');
    const f = await fs.open(tmp, 'w');
    await f.write(Buffer.from('14\n'), 0, 3, 0);
    await Promise.all([fs.fsyncDir(dir), f.sync()]);
    await f.close();
    await fs.rename(tmp, join(dir, 'acceptedEpoch'));
    await fs.fsyncDir(dir);
    const after = reboot(fs);
    expect(text(await after.readFile(join(dir, 'acceptedEpoch')))).toBe('14\n');
  });

  it('fires crash points only while the arm file exists', async () => {
    const fired: string[] = [];
    const armFile = join(dir, 'armed');
    const fs = new LoseUnsyncedFileSystem({
      crashPoints: ['atomic-file.written'],
      armFile,
      onCrash: (point) => {
        fired.push(point);
        throw new PowerLossError();
      },
    });
    await writeEpochFile(join(dir, 'snap-epoch'), 1, { fs });
    expect(fired).toEqual([]);
    await writeFile(armFile, '');
    await expect(writeEpochFile(join(dir, 'snap-epoch'), 2, { fs })).rejects.toBeInstanceOf(PowerLossError);
    expect(fired).toEqual(['atomic-file.written']);
  });

  it('parses REGISTRAR_TEST_CRASH_POINTS and rejects unknown names', () => {
    expect(parseCrashPoints(undefined)).toEqual({ points: [], probability: 1 });
    expect(parseCrashPoints('snapshot.renamed,truncate.unlinked@0.25')).toEqual({
      points: ['snapshot.renamed', 'truncate.unlinked'],
      probability: 0.25,
    });
    expect(parseCrashPoints('all').points.length).toBeGreaterThan(5);
    expect(() => parseCrashPoints('snapshot.nope')).toThrow(/unknown crash point/);
    expect(() => parseCrashPoints('all@2')).toThrow(/probability/);
  });
});
