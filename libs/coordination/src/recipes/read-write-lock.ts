/**
 * Read-write lock (Curator's InterProcessReadWriteLock): readers share, writers exclude everybody.
 * Both kinds are sequential children of one path, named `_c_<uuid>-__READ__<seq>` and
 * `_c_<uuid>-__WRIT__<seq>` as Curator names them, so the queue is fair (a writer is not starved by
 * a stream of readers arriving after it). A reader waits only for the nearest writer ahead of it; a
 * writer waits only for the node just ahead of it: no herd either way.
 */
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { Lock, type LockOptions } from './lock.js';
import { READ_MARKER, WRITE_MARKER, readDecision, writeDecision } from './lock-order.js';

/**
 * @example
 *   const rw = new ReadWriteLock(zk, '/locks/catalog');
 *   await rw.readLock.acquire();  // many readers at once
 *   await rw.readLock.release();
 *   const { fencingToken } = await rw.writeLock.acquire({ timeoutMs: 5000 });
 */
export class ReadWriteLock {
  /** Shared lock: held together with other readers, never with a writer. */
  readonly readLock: Lock;
  /** Exclusive lock: held alone. Carries fencing tokens like {@link Lock}. */
  readonly writeLock: Lock;

  constructor(
    client: ZooKeeperClient,
    readonly path: string,
    opts: Pick<LockOptions, 'data'> = {},
  ) {
    this.readLock = new Lock(client, path, { ...opts, marker: READ_MARKER, rule: readDecision });
    this.writeLock = new Lock(client, path, { ...opts, marker: WRITE_MARKER, rule: writeDecision });
  }
}
