/**
 * Barrier (Curator's DistributedBarrier): while the barrier node exists, `waitOnBarrier()` blocks;
 * removing the node releases every waiter. Waiters watch the one barrier node (exists watch), which
 * is the point of a barrier: all of them are meant to wake together.
 */
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { NodeExistsError } from '../protocol/errors.js';
import {
  checkDeadline,
  createWake,
  deadlineOf,
  deleteQuietly,
  ensurePath,
  retryOnLoss,
  waitForWake,
  type WaitOptions,
} from './zk-ops.js';

/**
 * @example
 *   const barrier = new Barrier(zk, '/barriers/term-start');
 *   await barrier.setBarrier();            // coordinator
 *   await barrier.waitOnBarrier();         // workers block here
 *   await barrier.removeBarrier();         // coordinator lets everyone through
 */
export class Barrier {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** Raises the barrier (creates its node, and missing parents); no-op if it is up already. */
  async setBarrier(): Promise<void> {
    const parent = this.path.slice(0, this.path.lastIndexOf('/')) || '/';
    await ensurePath(this.client, parent);
    try {
      // Safe to retry: a lost reply of our own create shows up as NodeExists, which means "up".
      await retryOnLoss(() => this.client.create(this.path));
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }

  /** Lowers the barrier, releasing every waiter. Idempotent. */
  async removeBarrier(): Promise<void> {
    await deleteQuietly(this.client, this.path);
  }

  /** Resolves once the barrier node does not exist (RecipeTimeoutError / abort otherwise). */
  async waitOnBarrier(opts: WaitOptions = {}): Promise<void> {
    const deadline = deadlineOf(opts);
    for (;;) {
      checkDeadline(this.path, deadline, opts.signal);
      const wake = createWake();
      const stat = await retryOnLoss(() => this.client.exists(this.path, wake.listener));
      if (stat === null) {
        wake.cancel();
        return;
      }
      try {
        await waitForWake(this.client, wake.promise, this.path, deadline, opts.signal);
      } finally {
        wake.cancel();
      }
    }
  }
}
