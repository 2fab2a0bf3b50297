/**
 * Double barrier (Curator's DistributedDoubleBarrier, the ZooKeeper recipe): `enter()` blocks until
 * `memberCount` participants have entered; `leave()` blocks until all have left. Participants are
 * ephemeral children named by their id, so a crashed participant does not hold the others forever.
 *
 * Enter: the participant that brings the count to `memberCount` creates a `ready` node; the others
 * watch for it. Leave (the ZooKeeper recipe): the lowest-named participant waits for the highest to
 * go; every other one deletes itself and waits for the lowest, so each departure wakes one waiter.
 */
import { randomUUID } from 'node:crypto';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { NoNodeError, NodeExistsError } from '../protocol/errors.js';
import { leaveDecision } from './lock-order.js';
import {
  checkDeadline,
  childPath,
  createWake,
  deadlineOf,
  deleteQuietly,
  ensurePath,
  retryOnLoss,
  waitForWake,
  type WaitOptions,
} from './zk-ops.js';

const READY = 'ready';

/**
 * @example
 *   const b = new DoubleBarrier(zk, '/barriers/exam-7', 30);
 *   await b.enter({ timeoutMs: 60_000 });
 *   await sitExam();
 *   await b.leave();
 */
export class DoubleBarrier {
  /** This participant's child name. */
  readonly id: string;
  private readonly readyPath: string;
  private readonly myPath: string;

  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    readonly memberCount: number,
    opts: { id?: string } = {},
  ) {
    if (!Number.isInteger(memberCount) || memberCount < 1)
      throw new RangeError('memberCount must be a positive integer');
    this.id = opts.id ?? randomUUID();
    if (this.id === READY || this.id.includes('/'))
      throw new RangeError(`invalid participant id "${this.id}"`);
    this.readyPath = childPath(path, READY);
    this.myPath = childPath(path, this.id);
  }

  /** Enters; resolves once `memberCount` participants have entered. */
  async enter(opts: WaitOptions = {}): Promise<void> {
    const deadline = deadlineOf(opts);
    await ensurePath(this.client, this.path);
    // Watch for `ready` before joining, so its creation cannot slip between our checks.
    const wake = createWake();
    let ready = (await retryOnLoss(() => this.client.exists(this.readyPath, wake.listener))) !== null;
    try {
      await retryOnLoss(() => this.client.create(this.myPath, undefined, { mode: 'ephemeral' }));
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e; // our own create whose reply was lost
    }
    try {
      const children = await retryOnLoss(() => this.client.getChildren(this.path));
      const members = children.filter((c) => c !== READY).length;
      if (!ready && members >= this.memberCount) {
        try {
          await retryOnLoss(() => this.client.create(this.readyPath));
        } catch (e) {
          if (!(e instanceof NodeExistsError)) throw e;
        }
        ready = true;
      }
      if (!ready) await waitForWake(this.client, wake.promise, this.path, deadline, opts.signal);
    } catch (e) {
      await deleteQuietly(this.client, this.myPath).catch(() => undefined);
      throw e;
    } finally {
      wake.cancel();
    }
  }

  /** Leaves; resolves once every participant has left. */
  async leave(opts: WaitOptions = {}): Promise<void> {
    const deadline = deadlineOf(opts);
    let deletedReady = false;
    for (;;) {
      checkDeadline(this.path, deadline, opts.signal);
      let children: string[];
      try {
        children = await retryOnLoss(() => this.client.getChildren(this.path));
      } catch (e) {
        if (e instanceof NoNodeError) return;
        throw e;
      }
      const members = children.filter((c) => c !== READY);
      // Whoever sees the first departure clears `ready`, so the barrier can be used again.
      if (!deletedReady && children.includes(READY)) {
        await deleteQuietly(this.client, this.readyPath);
        deletedReady = true;
      }
      const decision = leaveDecision(members, this.id);
      if (decision.deleteMine) await deleteQuietly(this.client, this.myPath);
      if (decision.kind === 'done') return;
      const watch = decision.watch;
      const wake = createWake();
      const stat = await retryOnLoss(() => this.client.exists(childPath(this.path, watch), wake.listener));
      if (stat === null) {
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
}
