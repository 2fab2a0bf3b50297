import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { purgeOld } from './purge.js';
import { SnapshotStore } from './snapshot-store.js';
import { collect, payloadFor, tempDir } from './test-helpers.js';
import { TxnLog } from './txn-log.js';

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: root, cleanup } = await tempDir('purge')));
afterEach(async () => cleanup());

/**
 * Log segments starting at 1, 11, 21, 31, 41 (10 entries each) and snapshots at the given zxids,
 * taken the way the server does: roll the log, then snapshot the last applied zxid.
 */
async function layout(snapZxids: number[], logOpen = false) {
  const snapDir = join(root, 'data', 'version-2');
  const logDir = join(root, 'datalog', 'version-2');
  const snaps = await SnapshotStore.open(snapDir);
  const log = await TxnLog.open(logDir);
  for (let seg = 0; seg < 5; seg++) {
    for (let z = seg * 10 + 1; z <= seg * 10 + 10; z++) {
      await log.append(z, payloadFor(z));
      if (snapZxids.includes(z)) await snaps.write(z, [Buffer.from(`snap ${z}`)]);
    }
    await log.roll();
  }
  if (!logOpen) await log.close();
  return { snapDir, logDir, snaps, log };
}

const names = async (d: string, prefix: string) =>
  (await readdir(d))
    .filter((n) => n.startsWith(prefix))
    .map((n) => parseInt(n.slice(prefix.length), 16))
    .sort((a, b) => a - b);

describe('purgeOld', () => {
  it('keeps the newest N snapshots and the log needed to recover from the oldest kept one', async () => {
    const { snapDir, logDir } = await layout([5, 15, 25, 35, 45]);
    const r = await purgeOld(snapDir, logDir, 3);
    expect(r.keptFromZxid).toBe(25);
    expect(await names(snapDir, 'snapshot.')).toEqual([25, 35, 45]);
    // Segment 21 holds zxid 25 itself and the txns right after it; 1 and 11 are no longer needed.
    expect(await names(logDir, 'log.')).toEqual([21, 31, 41]);
    expect(r.deletedLogs.length).toBe(2);

    // Recovery from the oldest kept snapshot still finds its whole log suffix.
    const log = await TxnLog.open(logDir);
    expect((await collect(log.read(25))).map((e) => e.zxid)).toEqual(
      Array.from({ length: 25 }, (_, i) => 26 + i),
    );
    await log.close();
  });

  it('keeps the segment that starts before the snapshot when the snapshot sits at a segment boundary', async () => {
    const { snapDir, logDir } = await layout([10, 20, 30, 40]);
    await purgeOld(snapDir, logDir, 3);
    expect(await names(snapDir, 'snapshot.')).toEqual([20, 30, 40]);
    expect(await names(logDir, 'log.')).toEqual([11, 21, 31, 41]);
  });

  it('does not count an incomplete snapshot toward the retained number', async () => {
    const { snapDir, logDir } = await layout([5, 15, 25, 35]);
    await writeFile(join(snapDir, 'snapshot.2d'), 'torn'); // zxid 45, cut short
    await purgeOld(snapDir, logDir, 3);
    expect(await names(snapDir, 'snapshot.')).toEqual([15, 25, 35, 45]);
    expect(await names(logDir, 'log.')).toEqual([11, 21, 31, 41]);
  });

  it('deletes nothing without a complete snapshot, and refuses a retain count below 3', async () => {
    const { snapDir, logDir } = await layout([]);
    expect((await purgeOld(snapDir, logDir, 3)).deletedLogs).toEqual([]);
    expect(await names(logDir, 'log.')).toEqual([1, 11, 21, 31, 41]);
    await expect(purgeOld(snapDir, logDir, 2)).rejects.toThrow(/>= 3/);
  });

  it('purges through a log that is open in this process, keeping its view consistent', async () => {
    const { snapDir, logDir, log } = await layout([5, 15, 25, 35, 45], true);
    await purgeOld(snapDir, logDir, 3);
    expect(log.firstZxid).toBe(21);
    expect(log.segments().map((s) => s.firstZxid)).toEqual([21, 31, 41]);
    await log.append(51, payloadFor(51));
    expect((await collect(log.read(0))).length).toBe(31);
    await log.close();
  });
});
