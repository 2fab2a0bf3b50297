/**
 * Leader election as a latch (Curator's LeaderLatch): every participant owns an ephemeral-sequential
 * child `_c_<uuid>-latch-<seq>`; the lowest is the leader; each other participant watches only the
 * one just ahead of it. `close()` deletes our node, which hands leadership to the next participant
 * at once (no session-timeout wait).
 *
 * Connection rules, as Curator's defaults: on DISCONNECTED we stop claiming leadership (another
 * process may take over if our session expires meanwhile); on reconnect with the same session we
 * re-check, recreating our node if it vanished. EXPIRED is terminal for a client: with a
 * `clientFactory` the latch opens a new session and rejoins the election (at the back of the queue,
 * as Curator's reset does); without one it emits 'lost' and stops.
 */
import { EventEmitter } from 'node:events';
import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import type { ClientState } from '../client/client-types.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { NoNodeError } from '../protocol/errors.js';
import { exclusiveDecision, sortContenders } from './lock-order.js';
import {
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

const MARKER = 'latch-';
const TERMINAL: ReadonlySet<ClientState> = new Set(['EXPIRED', 'CLOSED', 'AUTH_FAILED']);
/** Between failed factory calls: caps 1 s doubling to 5 s, jittered, so latches that lost their
 * sessions in one outage do not retry in lockstep. */
const REJOIN_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 5000 };

/** Events of {@link LeaderLatch}. */
export interface LeaderLatchEvents {
  /** We became leader. */
  leader: [];
  /** We stopped being leader (close, disconnect, session end). */
  follower: [];
  /** The session ended and there is no `clientFactory`: the latch no longer participates. */
  lost: [];
  /** After an expiry, rejoined the election on a new session from `clientFactory`. */
  rejoined: [client: ZooKeeperClient];
  /** A background re-check failed for another reason than the session ending. */
  failed: [error: unknown];
}

/**
 * @example
 *   const latch = new LeaderLatch(zk, '/election/scheduler', { id: 'worker-1' });
 *   latch.on('leader', () => scheduler.start());
 *   latch.on('follower', () => scheduler.stop());
 *   await latch.start();
 *   // ... on shutdown:
 *   await latch.close(); // the next participant leads at once
 */
export class LeaderLatch extends EventEmitter<LeaderLatchEvents> {
  private mine: string | undefined;
  private leader = false;
  private started = false;
  private closed = false;
  private disconnected = false;
  /** Generation of the current check: stale watches and checks compare it and drop out. */
  private gen = 0;
  private readonly id: string;
  private readonly clientFactory: (() => Promise<ZooKeeperClient>) | undefined;
  /** Clients made by the factory: ours to close. */
  private readonly owned = new Set<ZooKeeperClient>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private client: ZooKeeperClient,
    readonly path: string,
    opts: {
      /** Stored as our node's data; `participants()` lists them. */
      id?: string;
      /** Makes a new connected client after our session expired, so the latch can rejoin. */
      clientFactory?: () => Promise<ZooKeeperClient>;
    } = {},
  ) {
    super();
    this.id = opts.id ?? '';
    this.clientFactory = opts.clientFactory;
  }

  /** True while we are the leader. */
  get isLeader(): boolean {
    return this.leader;
  }

  /** Joins the election; resolves once our node exists and the first check ran. */
  async start(): Promise<void> {
    if (this.started) throw new Error('LeaderLatch already started');
    this.started = true;
    this.client.on('state', this.onState);
    await this.createNode();
    await this.check(++this.gen);
  }

  /** Waits until we lead (RecipeTimeoutError after `timeoutMs`, `signal.reason` on abort). */
  async awaitLeadership(opts: WaitOptions = {}): Promise<void> {
    if (this.leader) return;
    const wake = createWake();
    const on = () => wake.listener({ type: -1, state: 3, path: this.path });
    this.on('leader', on);
    try {
      await waitForWake(this.client, wake.promise, this.path, deadlineOf(opts), opts.signal);
    } finally {
      this.off('leader', on);
    }
  }

  /** Participant ids (node data) in election order; the first one leads. */
  async participants(): Promise<string[]> {
    const children = sortContenders(await retryOnLoss(() => this.client.getChildren(this.path)), [MARKER]);
    const ids: string[] = [];
    for (const c of children) {
      try {
        ids.push(
          (await retryOnLoss(() => this.client.getData(childPath(this.path, c.name)))).data.toString(),
        );
      } catch (e) {
        if (!(e instanceof NoNodeError)) throw e;
      }
    }
    return ids;
  }

  /** Leaves the election: deletes our node (handing leadership on) and emits 'follower' if we led. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gen++;
    clearTimeout(this.retryTimer);
    this.client.off('state', this.onState);
    const mine = this.mine;
    this.mine = undefined;
    this.setLeader(false);
    if (mine !== undefined) await deleteQuietly(this.client, childPath(this.path, mine)).catch(() => false);
    await Promise.all([...this.owned].map((c) => c.close().catch(() => undefined)));
    this.owned.clear();
  }

  /**
   * After expiry: new session from the factory, new node, new check. The factory's `retry`th failure
   * (0 = the first) waits a jittered backoff (REJOIN_BACKOFF) before the next call.
   */
  private rejoin(retry: number): void {
    if (this.closed || this.clientFactory === undefined) return;
    this.clientFactory().then(
      async (client) => {
        if (this.closed) {
          await client.close().catch(() => undefined);
          return;
        }
        const old = this.client;
        if (this.owned.delete(old)) void old.close().catch(() => undefined);
        this.owned.add(client);
        this.client = client;
        this.disconnected = false;
        client.on('state', this.onState);
        try {
          await this.createNode();
          await this.check(++this.gen);
          this.emit('rejoined', client);
        } catch (e) {
          // The new session died too (onState handles it) or the server refused: report.
          if (!TERMINAL.has(client.state)) this.emit('failed', e);
        }
      },
      (e: unknown) => {
        if (this.closed) return;
        this.emit('failed', e);
        const delay = backoffDelay(retry, REJOIN_BACKOFF, Math.random);
        this.retryTimer = setTimeout(() => this.rejoin(retry + 1), delay);
        this.retryTimer.unref?.();
      },
    );
  }

  private async createNode(): Promise<void> {
    const created = await createProtected(this.client, this.path, MARKER, this.id);
    if (this.closed) {
      await deleteQuietly(this.client, created.path);
      return;
    }
    this.mine = nameOf(created.path);
  }

  private async check(gen: number): Promise<void> {
    for (;;) {
      if (this.closed || gen !== this.gen || this.mine === undefined) return;
      const children = await retryOnLoss(() => this.client.getChildren(this.path));
      if (this.closed || gen !== this.gen) return;
      const decision = exclusiveDecision(children, this.mine, [MARKER]);
      if (decision.kind === 'missing') {
        // Deleted behind our back (or a reconnect raced a delete): take a new place in the queue.
        this.setLeader(false);
        await this.createNode();
        continue;
      }
      if (decision.kind === 'acquired') {
        this.setLeader(!this.disconnected);
        return;
      }
      this.setLeader(false);
      const wake = createWake(() => this.recheck());
      try {
        await retryOnLoss(() => this.client.getData(childPath(this.path, decision.watch), wake.listener));
        return;
      } catch (e) {
        wake.cancel();
        if (!(e instanceof NoNodeError)) throw e;
      }
    }
  }

  private recheck(): void {
    if (this.closed) return;
    const gen = ++this.gen;
    this.check(gen).catch((e: unknown) => {
      if (TERMINAL.has(this.client.state)) return; // onState reports it
      this.emit('failed', e);
    });
  }

  private readonly onState = (state: ClientState): void => {
    if (TERMINAL.has(state)) {
      this.gen++;
      this.mine = undefined;
      this.client.off('state', this.onState);
      this.setLeader(false);
      // A client closed by its owner is not ours to replace.
      const replaceable = state === 'EXPIRED' || (state === 'CLOSED' && this.owned.has(this.client));
      if (this.clientFactory !== undefined && replaceable) {
        this.rejoin(0);
      } else {
        this.closed = true;
        this.emit('lost');
      }
    } else if (state === 'DISCONNECTED') {
      this.disconnected = true;
      this.setLeader(false);
    } else if (state === 'CONNECTED' && this.disconnected) {
      this.disconnected = false;
      this.recheck();
    }
  };

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.emit(leader ? 'leader' : 'follower');
  }
}
