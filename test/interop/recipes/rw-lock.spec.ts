/** ReadWriteLock: readers share, writers exclude, a queued writer is not starved by later readers. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ReadWriteLock, RecipeTimeoutError } from '../../../libs/coordination/src/recipes/index.js';
import type { Ensemble } from '../../support/ensemble.js';
import { describeEachTarget } from '../../support/targets.js';
import { ClientPool, sleep } from '../client/helpers.js';

describeEachTarget('ReadWriteLock', (target) => {
  let zk: Ensemble;
  const pool = new ClientPool();
  const rw = async (path: string) => new ReadWriteLock(await pool.open(zk.connectString), path);

  beforeAll(async () => {
    zk = await target.start();
  });
  afterAll(async () => {
    await pool.closeAll();
    await zk?.stop();
  });

  it('readers hold together; a writer waits for all of them', async () => {
    const path = '/recipes/rw/share';
    const readers = await Promise.all([rw(path), rw(path), rw(path)]);
    await Promise.all(readers.map((r) => r.readLock.acquire({ timeoutMs: 2000 })));
    expect(readers.every((r) => r.readLock.isHeld)).toBe(true);
    const writer = await rw(path);
    await expect(writer.writeLock.acquire({ timeoutMs: 300 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    const pending = writer.writeLock.acquire({ timeoutMs: 5000 });
    await readers[0]!.readLock.release();
    await readers[1]!.readLock.release();
    await sleep(100);
    expect(writer.writeLock.isHeld).toBe(false);
    await readers[2]!.readLock.release();
    await pending;
    expect(writer.writeLock.isHeld).toBe(true);
    await writer.writeLock.release();
  });

  it('a reader arriving behind a queued writer waits for that writer (no writer starvation)', async () => {
    const path = '/recipes/rw/fair';
    const [r1, w, r2] = await Promise.all([rw(path), rw(path), rw(path)]);
    await r1.readLock.acquire();
    const writerGot = w.writeLock.acquire({ timeoutMs: 5000 });
    await sleep(100); // the writer's node is queued
    await expect(r2.readLock.acquire({ timeoutMs: 300 })).rejects.toBeInstanceOf(RecipeTimeoutError);
    const lateReader = r2.readLock.acquire({ timeoutMs: 5000 });
    await r1.readLock.release();
    const { fencingToken } = await writerGot;
    expect(fencingToken).toBeGreaterThan(0);
    await sleep(100);
    expect(r2.readLock.isHeld).toBe(false);
    await w.writeLock.release();
    await lateReader;
    await r2.readLock.release();
  });

  it('mixed contention from 6 sessions: never a reader with a writer, never two writers', async () => {
    const path = '/recipes/rw/mixed';
    const locks = await Promise.all(Array.from({ length: 6 }, () => rw(path)));
    let readers = 0;
    let writers = 0;
    let maxReaders = 0;
    const violations: string[] = [];
    let writes = 0;
    await Promise.all(
      locks.map(async (l, i) => {
        for (let k = 0; k < 25; k++) {
          const write = (i + k) % 3 === 0;
          const lock = write ? l.writeLock : l.readLock;
          await lock.acquire({ timeoutMs: 20_000 });
          if (write) {
            writers++;
            writes++;
            if (writers > 1 || readers > 0)
              violations.push(`writer with ${writers - 1} writers, ${readers} readers`);
          } else {
            readers++;
            maxReaders = Math.max(maxReaders, readers);
            if (writers > 0) violations.push('reader with a writer');
          }
          await sleep(1);
          if (write) writers--;
          else readers--;
          await lock.release();
        }
      }),
    );
    console.log(
      `[${target.name}] rw mixed: ${writes} writes, ${150 - writes} reads, max concurrent readers ${maxReaders}`,
    );
    expect(violations).toEqual([]);
    expect(maxReaders).toBeGreaterThan(1);
  });
});
