/**
 * FIFO queue (kazoo's Queue, Curator's SimpleDistributedQueue): `put()` adds a persistent-sequential
 * child `qn-<seq>`; `take()` claims the lowest child by deleting it (only one taker's delete can
 * succeed, so an item is handed to exactly one taker) and blocks on a child watch while empty.
 *
 * Connection loss: a `put()` whose reply was lost is not retried blindly (that could enqueue the
 * item twice): the item is created in protected mode and looked up by its uuid first. A `take()`
 * whose delete reply was lost cannot tell whether it won; it reads the item before deleting and
 * treats "deleted by someone" as lost only when a retry sees NoNode, which may drop that item: the
 * same at-most-once trade-off as Curator and kazoo.
 */
import type { Data } from '../client/client-types.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { NoNodeError } from '../protocol/errors.js';
import { sortContenders } from './lock-order.js';
import {
  checkDeadline,
  childPath,
  createProtected,
  createWake,
  deadlineOf,
  ensurePath,
  retryOnLoss,
  waitForWake,
  type WaitOptions,
} from './zk-ops.js';

const MARKER = 'qn-';

/**
 * @example
 *   const q = new DistributedQueue(zk, '/queues/emails');
 *   await q.put(JSON.stringify({ to: 'a@b.c' }));
 *   const item = await q.take({ timeoutMs: 30_000 }); // Buffer
 */
export class DistributedQueue {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
  ) {}

  /** Appends an item; returns its node path. */
  async put(data: Data): Promise<string> {
    const created = await createProtected(this.client, this.path, MARKER, data, {
      mode: 'persistent_sequential',
      parentMode: 'persistent',
    });
    return created.path;
  }

  /** Removes and returns the head item, or undefined when the queue is empty. */
  async poll(): Promise<Buffer | undefined> {
    const got = await this.tryTake(undefined);
    return got.item;
  }

  /** Removes and returns the head item, waiting for one (RecipeTimeoutError / abort otherwise). */
  async take(opts: WaitOptions = {}): Promise<Buffer> {
    const deadline = deadlineOf(opts);
    await ensurePath(this.client, this.path);
    for (;;) {
      checkDeadline(this.path, deadline, opts.signal);
      const wake = createWake();
      const got = await this.tryTake(wake.listener);
      if (got.item !== undefined) {
        wake.cancel();
        return got.item;
      }
      if (!got.empty) {
        wake.cancel();
        continue;
      }
      try {
        await waitForWake(this.client, wake.promise, this.path, deadline, opts.signal);
      } finally {
        wake.cancel();
      }
    }
  }

  /** Number of items (children) right now. */
  async size(): Promise<number> {
    try {
      return sortContenders(await retryOnLoss(() => this.client.getChildren(this.path)), [MARKER]).length;
    } catch (e) {
      if (e instanceof NoNodeError) return 0;
      throw e;
    }
  }

  private async tryTake(
    watch: Parameters<ZooKeeperClient['getChildren']>[1],
  ): Promise<{ item?: Buffer; empty: boolean }> {
    let children: string[];
    try {
      children = await retryOnLoss(() => this.client.getChildren(this.path, watch));
    } catch (e) {
      if (e instanceof NoNodeError) return { empty: true };
      throw e;
    }
    const items = sortContenders(children, [MARKER]);
    if (items.length === 0) return { empty: true };
    for (const { name } of items) {
      const path = childPath(this.path, name);
      try {
        const { data } = await retryOnLoss(() => this.client.getData(path));
        await retryOnLoss(() => this.client.delete(path));
        return { item: data, empty: false };
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e; // another taker won this one: try the next
      }
    }
    return { empty: false };
  }
}
