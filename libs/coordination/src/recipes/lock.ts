/**
 * Exclusive distributed lock (Curator's InterProcessMutex, kazoo's Lock) with fencing tokens.
 *
 * Each contender creates an ephemeral-sequential child `_c_<uuid>-lock-<seq>` of the lock path and
 * holds the lock when its child has the lowest sequence number. A waiter watches only the child just
 * ahead of it (getData watch), so a release wakes exactly one waiter instead of the whole herd.
 * Connection loss while creating is handled by protected mode (see zk-ops.ts). When the session
 * ends while the lock is held, the lock emits 'lost': the server has deleted our node and somebody
 * else may hold the lock now. The fencing token (our node's czxid) lets a resource refuse writes
 * from such a stale holder: tokens strictly increase from one holder to the next.
 */
import { EventEmitter } from 'node:events';
import type { ClientState, Data } from '../client/client-types.js';
import type { WatchEvent } from '../client/watch-registry.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { EventType } from '../protocol/constants.js';
import { NoNodeError } from '../protocol/errors.js';
import { LockLostError } from './errors.js';
import { exclusiveDecision, type LockDecision } from './lock-order.js';
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

/** What an acquisition hands back. */
export interface LockAcquisition {
  /** Full path of our lock node. */
  path: string;
  /**
   * The lock node's czxid. Strictly greater than every earlier holder's token, so a resource that
   * remembers the highest token it has seen can reject writes from a holder that lost the lock.
   */
  fencingToken: number;
}

/** Events of {@link Lock}. */
export interface LockEvents {
  /** The held lock is gone (session expired/closed, or our node deleted). Stop acting as owner. */
  lost: [error: LockLostError];
  /** Connection dropped while held: the session may still be alive, but we cannot be sure we own it. */
  suspended: [];
  /** Connection back with the same session while held, and our node still exists. */
  reconnected: [];
  /** Waiting for `predecessor` (full path) to go away. */
  waiting: [predecessor: string];
  /** The watch on `predecessor` fired and woke this contender. */
  woken: [predecessor: string, event: WatchEvent];
  /** A create whose reply was lost was found again by its uuid and adopted. */
  recovered: [path: string];
}

/** Options of {@link Lock}. */
export interface LockOptions {
  /** Marker of our node names (default 'lock-', as Curator). */
  marker?: string;
  /**
   * Markers of other implementations' nodes that contend for the same lock. Default ['__lock__'],
   * kazoo's, so kazoo locks on the same path are honoured (kazoo needs
   * `extra_lock_patterns=['-lock-']` to honour ours).
   */
  extraMarkers?: readonly string[];
  /** Data stored in our node (e.g. who we are, for diagnostics). */
  data?: Data;
}

/** Internal: how a lock variant (read, write, latch) decides. */
export interface LockRuleOptions extends LockOptions {
  rule?: (children: readonly string[], mine: string) => LockDecision;
}

const TERMINAL: ReadonlySet<ClientState> = new Set(['EXPIRED', 'CLOSED', 'AUTH_FAILED']);

/**
 * An exclusive lock on `path`. Re-entrant per Lock object: acquiring it again while held counts up,
 * and it is released when `release()` was called as many times.
 *
 * @example
 *   const lock = new Lock(zk, '/locks/course-42');
 *   lock.on('lost', () => abortWork());
 *   const { fencingToken } = await lock.acquire({ timeoutMs: 5000 });
 *   try { await store.write(seat, { fencingToken }); } finally { await lock.release(); }
 */
export class Lock extends EventEmitter<LockEvents> {
  private readonly marker: string;
  private readonly rule: (children: readonly string[], mine: string) => LockDecision;
  private readonly data: Data | undefined;
  private holding: LockAcquisition | undefined;
  private count = 0;
  private acquiring: Promise<unknown> | undefined;
  private suspended = false;

  constructor(
    private readonly client: ZooKeeperClient,
    /** The lock's znode; contenders are its children. */
    readonly path: string,
    opts: LockRuleOptions = {},
  ) {
    super();
    this.marker = opts.marker ?? 'lock-';
    const markers = [this.marker, ...(opts.extraMarkers ?? ['__lock__'])];
    this.rule = opts.rule ?? ((children, mine) => exclusiveDecision(children, mine, markers));
    this.data = opts.data;
  }

  /** True while this object holds the lock (false after 'lost'). */
  get isHeld(): boolean {
    return this.holding !== undefined;
  }

  /** Fencing token of the current hold, or undefined when not held. */
  get fencingToken(): number | undefined {
    return this.holding?.fencingToken;
  }

  /** How many times the current holder acquired without releasing (0 when not held). */
  get holdCount(): number {
    return this.count;
  }

  /**
   * Waits until this object holds the lock. Rejects with RecipeTimeoutError after `timeoutMs`, with
   * `signal.reason` on abort, with SessionExpiredError when the session ends; in each case our node
   * is deleted first so it blocks nobody. Concurrent calls on one object take turns.
   */
  async acquire(opts: WaitOptions = {}): Promise<LockAcquisition> {
    while (this.acquiring !== undefined) await this.acquiring.catch(() => undefined);
    if (this.holding !== undefined) {
      this.count++;
      return { ...this.holding };
    }
    const attempt = this.contend(opts);
    this.acquiring = attempt;
    try {
      const got = await attempt;
      this.holding = got;
      this.count = 1;
      this.suspended = false;
      this.client.on('state', this.onState);
      this.watchOwnNode(got);
      return { ...got };
    } finally {
      this.acquiring = undefined;
    }
  }

  /**
   * Releases one hold; deletes our node when the count reaches zero. Idempotent: a no-op when not
   * held (also after 'lost').
   */
  async release(): Promise<void> {
    if (this.holding === undefined) return;
    if (--this.count > 0) return;
    const { path } = this.holding;
    this.holding = undefined;
    this.client.off('state', this.onState);
    // If the session is already gone the server has deleted the node for us.
    await deleteQuietly(this.client, path);
  }

  private async contend(opts: WaitOptions): Promise<LockAcquisition> {
    const deadline = deadlineOf(opts);
    checkDeadline(this.path, deadline, opts.signal);
    const created = await createProtected(this.client, this.path, this.marker, this.data, {
      onRecovered: (p) => this.emit('recovered', p),
    });
    const mine = nameOf(created.path);
    try {
      for (;;) {
        checkDeadline(this.path, deadline, opts.signal);
        const children = await retryOnLoss(() => this.client.getChildren(this.path));
        const decision = this.rule(children, mine);
        if (decision.kind === 'missing') {
          throw new LockLostError(created.path, { detail: 'our lock node vanished while waiting' });
        }
        if (decision.kind === 'acquired') return { path: created.path, fencingToken: created.stat.czxid };
        const predecessor = childPath(this.path, decision.watch);
        const wake = createWake((e) => this.emit('woken', predecessor, e));
        try {
          // getData, not exists: on NoNode no watch is left behind for a name that never comes back.
          await retryOnLoss(() => this.client.getData(predecessor, wake.listener));
        } catch (e) {
          wake.cancel();
          if (e instanceof NoNodeError) continue;
          throw e;
        }
        this.emit('waiting', predecessor);
        try {
          await waitForWake(this.client, wake.promise, this.path, deadline, opts.signal);
        } finally {
          wake.cancel();
        }
      }
    } catch (e) {
      // Never leave our node behind: it would block every later contender until our session ends.
      await deleteQuietly(this.client, created.path).catch(() => undefined);
      throw e;
    }
  }

  private readonly onState = (state: ClientState): void => {
    const held = this.holding;
    if (held === undefined) return;
    if (TERMINAL.has(state)) {
      this.lose(new LockLostError(held.path, { detail: `session ${state.toLowerCase()}` }));
    } else if (state === 'DISCONNECTED') {
      this.suspended = true;
      this.emit('suspended');
    } else if (state === 'CONNECTED' && this.suspended) {
      this.suspended = false;
      // Same session, so our ephemeral node should still be there; make sure nobody deleted it.
      retryOnLoss(() => this.client.exists(held.path)).then(
        (stat) => {
          if (this.holding !== held) return;
          if (stat === null) this.lose(new LockLostError(held.path, { detail: 'lock node deleted' }));
          else this.emit('reconnected');
        },
        (e: unknown) => {
          if (this.holding === held) this.lose(new LockLostError(held.path, { cause: e }));
        },
      );
    }
  };

  /**
   * Watches our own node while held, so a deletion behind our back (an operator, a buggy peer)
   * is reported as 'lost' at once rather than discovered by the next holder's overlap.
   */
  private watchOwnNode(held: LockAcquisition): void {
    const listener = (e: WatchEvent): void => {
      if (this.holding !== held) return;
      if (e.type === EventType.NodeDeleted) {
        this.lose(new LockLostError(held.path, { detail: 'lock node deleted' }));
      } else if (e.type !== EventType.None) {
        this.watchOwnNode(held); // data changed: re-arm
      }
    };
    retryOnLoss(() => this.client.exists(held.path, listener)).then(
      (stat) => {
        if (stat === null && this.holding === held) {
          this.lose(new LockLostError(held.path, { detail: 'lock node deleted' }));
        }
      },
      () => undefined, // session ended: onState reports it
    );
  }

  private lose(error: LockLostError): void {
    this.holding = undefined;
    this.count = 0;
    this.client.off('state', this.onState);
    this.emit('lost', error);
  }
}
