/**
 * Counting semaphore with `maxLeases` leases (Curator's InterProcessSemaphoreV2 layout):
 * `<path>/leases/` holds one ephemeral-sequential node per lease holder, `<path>/locks/` is a
 * {@link Lock} that admits one acquirer at a time. Only that acquirer watches the leases' children
 * while the semaphore is full, so returning a lease wakes one process, not every waiter; the others
 * wait in the lock's queue, each on its predecessor.
 */
import type { Data } from '../client/client-types.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { NoNodeError } from '../protocol/errors.js';
import { LockLostError } from './errors.js';
import { Lock } from './lock.js';
import {
  checkDeadline,
  childPath,
  createProtected,
  createWake,
  deadlineOf,
  deleteQuietly,
  nameOf,
  retryOnLoss,
  waitForWake,
  type WaitOptions,
} from './zk-ops.js';

/** A held lease; `release()` is idempotent. */
export interface Lease {
  /** Full path of the lease node. */
  readonly path: string;
  /** The lease node's czxid (increases across acquisitions). */
  readonly fencingToken: number;
  release(): Promise<void>;
}

/**
 * @example
 *   const sem = new Semaphore(zk, '/semaphores/exports', 3);
 *   const lease = await sem.acquire({ timeoutMs: 10_000 });
 *   try { await runExport(); } finally { await lease.release(); }
 */
export class Semaphore {
  private readonly mutex: Lock;
  private readonly leasesPath: string;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    readonly maxLeases: number,
    private readonly opts: { data?: Data } = {},
  ) {
    if (!Number.isInteger(maxLeases) || maxLeases < 1)
      throw new RangeError('maxLeases must be a positive integer');
    this.mutex = new Lock(client, childPath(path, 'locks'));
    this.leasesPath = childPath(path, 'leases');
  }

  /** Waits for a lease (RecipeTimeoutError after `timeoutMs`, `signal.reason` on abort). */
  async acquire(opts: WaitOptions = {}): Promise<Lease> {
    const deadline = deadlineOf(opts);
    await this.mutex.acquire(opts);
    try {
      const created = await createProtected(this.client, this.leasesPath, 'lease-', this.opts.data);
      const mine = nameOf(created.path);
      try {
        for (;;) {
          checkDeadline(this.path, deadline, opts.signal);
          const wake = createWake();
          const children = await retryOnLoss(() => this.client.getChildren(this.leasesPath, wake.listener));
          if (!children.includes(mine)) {
            wake.cancel();
            throw new LockLostError(created.path, { detail: 'our lease node vanished while waiting' });
          }
          if (children.length <= this.maxLeases) {
            wake.cancel();
            break;
          }
          try {
            await waitForWake(this.client, wake.promise, this.path, deadline, opts.signal);
          } finally {
            wake.cancel();
          }
        }
      } catch (e) {
        await deleteQuietly(this.client, created.path).catch(() => undefined);
        throw e;
      }
      let released = false;
      const client = this.client;
      return {
        path: created.path,
        fencingToken: created.stat.czxid,
        async release() {
          if (released) return;
          released = true;
          await deleteQuietly(client, created.path);
        },
      };
    } finally {
      await this.mutex.release();
    }
  }

  /** Paths of the current lease holders' nodes (children of `<path>/leases`), unordered. */
  async leaseHolders(): Promise<string[]> {
    try {
      return await retryOnLoss(() => this.client.getChildren(this.leasesPath));
    } catch (e) {
      if (e instanceof NoNodeError) return [];
      throw e;
    }
  }
}
