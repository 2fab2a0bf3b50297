import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDataDirs, resolveDataDirs } from './data-dir.js';
import { DataCorruptionError } from './errors.js';
import { readEpochFile, writeEpochFile } from './epoch-file.js';
import { tempDir } from './test-helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('epoch')));
afterEach(async () => cleanup());

describe('epoch files', () => {
  it('reads undefined when absent and round-trips values as decimal text', async () => {
    const path = join(dir, 'currentEpoch');
    expect(await readEpochFile(path)).toBeUndefined();
    await writeEpochFile(path, 7);
    expect(await readFile(path, 'utf8')).toBe('7\n');
    await writeEpochFile(path, 2 ** 40);
    expect(await readEpochFile(path)).toBe(2 ** 40);
    expect(await readdir(dir)).toEqual(['currentEpoch']); // no tmp file left
  });

  it('rejects garbage content and invalid values', async () => {
    const path = join(dir, 'acceptedEpoch');
    await writeFile(path, '12abc');
    await expect(readEpochFile(path)).rejects.toBeInstanceOf(DataCorruptionError);
    await writeFile(path, '');
    await expect(readEpochFile(path)).rejects.toBeInstanceOf(DataCorruptionError);
    await expect(writeEpochFile(path, -1)).rejects.toThrow(/invalid epoch/);
    await expect(writeEpochFile(path, 1.5)).rejects.toThrow(/invalid epoch/);
  });
});

describe('data dirs', () => {
  it('puts version-2 under dataDir and dataLogDir like ZooKeeper', async () => {
    expect(resolveDataDirs({ dataDir: '/d' })).toEqual({
      snapDir: '/d/version-2',
      logDir: '/d/version-2',
      acceptedEpochFile: '/d/version-2/acceptedEpoch',
      currentEpochFile: '/d/version-2/currentEpoch',
    });
    expect(resolveDataDirs({ dataDir: '/d', dataLogDir: '/l' }).logDir).toBe('/l/version-2');
    const dirs = await ensureDataDirs({ dataDir: join(dir, 'a'), dataLogDir: join(dir, 'b') });
    expect(await readdir(dirs.snapDir)).toEqual([]);
    expect(await readdir(dirs.logDir)).toEqual([]);
  });
});
