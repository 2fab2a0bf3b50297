/**
 * Binds a recipe to "the current session". A ZooKeeperClient is dead for good once EXPIRED (its
 * ephemerals and watches are gone), so recipes that must outlive a session (caches, registries)
 * take an optional factory and move to a fresh client when theirs expires, as Curator's
 * ConnectionStateManager does with a new ZooKeeper handle behind the same CuratorFramework.
 */
import { EventEmitter } from 'node:events';
import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import type { ClientState } from '../client/client-types.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';

/** Makes a new connected client (a new session). Called after the current session expired. */
export type ClientFactory = () => Promise<ZooKeeperClient>;

/** Events of {@link SessionBinding}. */
export interface SessionBindingEvents {
  /** Now bound to `client` (after expiry and the factory, or a manual rebind). */
  client: [client: ZooKeeperClient, previous: ZooKeeperClient];
  /** The current client is connected again after a DISCONNECTED spell (same session). */
  reconnected: [client: ZooKeeperClient];
  /** The current session expired (or the client closed/auth failed) and no factory is set. */
  lost: [state: ClientState];
  /** The factory failed; it is retried after a backoff. */
  error: [error: unknown];
}

export interface SessionBindingOptions {
  /** Makes a replacement client after expiry; clients it makes are owned (closed) by the binding. */
  clientFactory?: ClientFactory | undefined;
  /**
   * Cap of the first delay before retrying a failed factory call, ms (default 1000): the cap doubles
   * up to 5000 and each delay is jittered in its upper half, so the many instances that lost their
   * sessions together (an ensemble outage) do not all retry on the same tick.
   */
  retryDelayMs?: number;
}

/**
 * Tracks one client and its replacements.
 * @example
 *   const binding = new SessionBinding(zk, { clientFactory: () => ZooKeeperClient.connect(hosts) });
 *   binding.on('client', (c) => resubscribe(c));
 *   binding.on('reconnected', () => reread());
 */
export class SessionBinding extends EventEmitter<SessionBindingEvents> {
  private _client: ZooKeeperClient;
  private readonly owned = new Set<ZooKeeperClient>();
  private closed = false;
  private replacing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly factory: ClientFactory | undefined;
  private readonly retryPolicy: BackoffPolicy;

  constructor(client: ZooKeeperClient, opts: SessionBindingOptions = {}) {
    super();
    this.factory = opts.clientFactory;
    const baseMs = opts.retryDelayMs ?? 1000;
    this.retryPolicy = { baseMs, maxMs: Math.max(baseMs, 5000) };
    this._client = client;
    this.attach(client);
  }

  /** The client recipes should use right now. */
  get client(): ZooKeeperClient {
    return this._client;
  }

  /** True when the current client has a usable connection. */
  get connected(): boolean {
    const s = this._client.state;
    return s === 'CONNECTED' || s === 'READ_ONLY';
  }

  /**
   * Moves to `client` (owned by the caller unless `own` is true). Use it when you manage sessions
   * yourself instead of passing a factory.
   */
  rebind(client: ZooKeeperClient, own = false): void {
    if (this.closed || client === this._client) return;
    const previous = this._client;
    this.detach(previous);
    if (this.owned.delete(previous)) void previous.close().catch(() => undefined);
    this._client = client;
    if (own) this.owned.add(client);
    this.attach(client);
    this.emit('client', client, previous);
  }

  /** Stops following sessions and closes the clients the binding made. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.detach(this._client);
    const owned = [...this.owned];
    this.owned.clear();
    await Promise.all(owned.map((c) => c.close().catch(() => undefined)));
  }

  private readonly onState = (state: ClientState, previous: ClientState): void => {
    if (this.closed) return;
    if ((state === 'CONNECTED' || state === 'READ_ONLY') && previous === 'DISCONNECTED') {
      this.emit('reconnected', this._client);
    } else if (state === 'EXPIRED' || state === 'AUTH_FAILED' || state === 'CLOSED') {
      // A client closed on purpose by its owner is not ours to replace unless we own it.
      if (this.factory === undefined || (state === 'CLOSED' && !this.owned.has(this._client))) {
        this.emit('lost', state);
        return;
      }
      this.replace(0);
    }
  };

  /** Calls the factory; its `retry`th failure (0 = the first) waits a backoff and tries again. */
  private replace(retry: number): void {
    if (this.replacing || this.closed || this.factory === undefined) return;
    this.replacing = true;
    this.factory().then(
      (client) => {
        this.replacing = false;
        if (this.closed) {
          void client.close().catch(() => undefined);
          return;
        }
        this.rebind(client, true);
      },
      (err: unknown) => {
        this.replacing = false;
        if (this.closed) return;
        if (this.listenerCount('error') > 0) this.emit('error', err);
        const delay = backoffDelay(retry, this.retryPolicy, Math.random);
        this.retryTimer = setTimeout(() => this.replace(retry + 1), delay);
        this.retryTimer.unref?.();
      },
    );
  }

  private attach(client: ZooKeeperClient): void {
    client.on('state', this.onState);
    // Already dead when handed to us: treat it as if it had just died.
    const s = client.state;
    if (s === 'EXPIRED' || s === 'AUTH_FAILED') queueMicrotask(() => this.onState(s, 'DISCONNECTED'));
  }

  private detach(client: ZooKeeperClient): void {
    client.off('state', this.onState);
  }
}
