import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recover } from './recovery.js';
import { SnapshotStore } from './snapshot-store.js';
import { tempDir } from './test-helpers.js';
import { TxnLog } from './txn-log.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('recover')));
afterEach(async () => cleanup());

/** A toy state machine: the state is the list of applied zxids; a snapshot is that list as JSON. */
async function run(snapshots: SnapshotStore, log: TxnLog) {
  let state: number[] = [];
  const r = await recover({
    snapshots,
    log,
    loadSnapshot: async (_z, chunks) => {
      for await (const c of chunks) state = JSON.parse(c.toString());
    },
    apply: (zxid, payload) => {
      expect(payload.toString()).toBe(`txn ${zxid}`);
      state.push(zxid);
    },
  });
  return { r, state };
}

describe('recover', () => {
  it('loads the newest valid snapshot and replays only the log after it', async () => {
    const snapshots = await SnapshotStore.open(join(dir, 's'));
    let log = await TxnLog.open(join(dir, 'l'));
    for (let z = 1; z <= 20; z++) {
      await log.append(z, Buffer.from(`txn ${z}`));
      if (z === 12)
        await snapshots.write(z, [Buffer.from(JSON.stringify(Array.from({ length: 12 }, (_, i) => i + 1)))]);
    }
    await log.close();
    log = await TxnLog.open(join(dir, 'l'));
    const { r, state } = await run(snapshots, log);
    expect(r).toEqual({ snapshotZxid: 12, lastZxid: 20, replayed: 8 });
    expect(state).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await log.close();
  });

  it('replays the whole log without a snapshot, and refuses a log that does not reach the snapshot', async () => {
    const snapshots = await SnapshotStore.open(join(dir, 's'));
    const log = await TxnLog.open(join(dir, 'l'));
    for (let z = 1; z <= 3; z++) await log.append(z, Buffer.from(`txn ${z}`));
    expect((await run(snapshots, log)).state).toEqual([1, 2, 3]);
    await log.close();

    const gapLog = await TxnLog.open(join(dir, 'gap'));
    await gapLog.append(50, Buffer.from('txn 50'));
    await snapshots.write(3, [Buffer.from('[1,2,3]')]);
    await expect(run(snapshots, gapLog)).rejects.toThrow(/txns in between are missing/);
    await gapLog.close();
  });
});
