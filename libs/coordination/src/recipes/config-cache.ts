/**
 * Config cache: one znode's JSON value and version kept in memory through a PERSISTENT watch
 * (addWatch), written with compare-and-set. Like Curator's SharedValue/NodeCache, with the gaps
 * their users hit closed: changes are emitted in order and never go backwards in version (even
 * across reconnects), a reconnect re-reads (the server re-adds persistent watches silently, so
 * changes made while we were cut off fire nothing), and an expired session moves to a new client
 * when a `clientFactory` is given.
 */
import { EventEmitter } from 'node:events';
import type { Data } from '../client/client-types.js';
import type { WatchEvent } from '../client/watch-registry.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { EventType } from '../protocol/constants.js';
import {
  BadVersionError,
  ConnectionLossError,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
} from '../protocol/errors.js';
import type { Stat } from '../protocol/records.js';
import { ConfigValidationError, ConflictError, UpdateRetriesExhaustedError } from './config-cache-errors.js';
import { NOTHING_OBSERVED, isNewer, observe, type Observed } from './config-cache-order.js';
import { SessionBinding, type ClientFactory } from './session-binding.js';

/** The cached value: `value` undefined and version -1 while the znode does not exist. */
export interface ConfigSnapshot<T> {
  value: T | undefined;
  version: number;
  stat: Stat | null;
}

/** Events of {@link ConfigCache}. */
export interface ConfigCacheEvents<T> {
  /** A newer value (or the node's deletion) was observed. Emitted in version order. */
  change: [current: ConfigSnapshot<T>, previous: ConfigSnapshot<T>];
  /** The znode holds data that did not parse or validate; the cache keeps the previous value. */
  invalid: [error: ConfigValidationError];
  /** Unexpected failure of a background read (the cache retries on the next event/reconnect). */
  error: [error: unknown];
}

export interface ConfigCacheOptions<T> {
  client: ZooKeeperClient;
  /** Znode path (relative to the client's chroot). */
  path: string;
  /** Checks/coerces the parsed JSON; throw to reject it. Default: accept as is. */
  validate?: (value: unknown) => T;
  /** Replaces the client after session expiry (the cache then owns and closes those clients). */
  clientFactory?: ClientFactory;
  /** Data encoding. Default JSON (empty data = undefined). */
  serialize?: (value: T) => Data;
  parse?: (data: Buffer) => unknown;
}

const EMPTY: ConfigSnapshot<never> = { value: undefined, version: -1, stat: null };

/**
 * @example
 *   const cache = new ConfigCache({ client: zk, path: '/config/exam-schedules/42', validate: parseSchedule });
 *   await cache.start();
 *   cache.on('change', ({ value, version }) => apply(value, version));
 *   await cache.update((s) => ({ ...s!, room: 'B12' })); // CAS with retries
 *   await cache.close();
 */
export class ConfigCache<T = unknown> extends EventEmitter<ConfigCacheEvents<T>> {
  readonly path: string;
  private readonly binding: SessionBinding;
  private readonly validate: (value: unknown) => T;
  private readonly serialize: (value: T) => Data;
  private readonly parse: (data: Buffer) => unknown;
  private snap: ConfigSnapshot<T> = EMPTY;
  private seen: Observed = NOTHING_OBSERVED;
  private reading = false;
  private dirty = false;
  private armedOn: ZooKeeperClient | undefined;
  private closed = false;
  private started: Promise<void> | undefined;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(opts: ConfigCacheOptions<T>) {
    super();
    this.path = opts.path;
    this.validate = opts.validate ?? ((v) => v as T);
    this.serialize = opts.serialize ?? ((v) => JSON.stringify(v));
    this.parse = opts.parse ?? ((d) => (d.length === 0 ? undefined : JSON.parse(d.toString('utf8'))));
    this.binding = new SessionBinding(opts.client, { clientFactory: opts.clientFactory });
    this.binding.on('client', () => this.arm());
    this.binding.on('reconnected', () =>
      this.armedOn === this.binding.client ? this.refresh() : this.arm(),
    );
    this.binding.on('error', (e) => this.emitError(e));
  }

  /** Current value (undefined while the node is missing or before start). */
  get value(): T | undefined {
    return this.snap.value;
  }
  /** Version of the current value, -1 while the node is missing. */
  get version(): number {
    return this.snap.version;
  }
  /** The whole snapshot. */
  get snapshot(): ConfigSnapshot<T> {
    return this.snap;
  }
  /** The client in use (changes after expiry when a factory is set). */
  get client(): ZooKeeperClient {
    return this.binding.client;
  }

  /** Sets the persistent watch and loads the value; resolves once the first read is applied. */
  start(): Promise<void> {
    this.started ??= this.arm().then(() => this.idle());
    return this.started;
  }

  /** Resolves when no read is in flight or queued (the cache reflects every event seen so far). */
  idle(): Promise<void> {
    if (!this.reading) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Resolves once the cache holds every write committed before the call, including writes by
   * other sessions whose notification has not reached us yet: ZooKeeper's sync on this session,
   * then a fresh read behind it. Rejects with the client's error when the sync cannot be sent.
   */
  async catchUp(): Promise<void> {
    await this.binding.client.sync(this.path);
    // A read already in flight may have been answered before the sync; queue another behind it.
    this.refresh();
    await this.idle();
  }

  /** Moves to another client (e.g. one you made after expiry yourself); the caller keeps ownership. */
  rebind(client: ZooKeeperClient): void {
    this.binding.rebind(client);
  }

  /**
   * Compare-and-set: writes `value` only if the znode is at `expectedVersion` (-1 = any).
   * The cache applies the written value at once (read-your-writes).
   * @throws ConflictError when the version did not match; NoNodeError when the node is missing.
   */
  async set(value: T, expectedVersion: number): Promise<ConfigSnapshot<T>> {
    const data = this.serialize(value);
    let stat: Stat;
    try {
      stat = await this.binding.client.setData(this.path, data, expectedVersion);
    } catch (err) {
      if (err instanceof BadVersionError) throw new ConflictError(this.path, expectedVersion, err);
      throw err;
    }
    this.accept(value, stat);
    return { value, version: stat.version, stat };
  }

  /**
   * Creates the znode with `value` (persistent). @throws ConflictError when it already exists.
   */
  async create(value: T): Promise<ConfigSnapshot<T>> {
    try {
      const { stat } = await this.binding.client.create(this.path, this.serialize(value));
      this.accept(value, stat);
      return { value, version: stat.version, stat };
    } catch (err) {
      if (err instanceof NodeExistsError) throw new ConflictError(this.path, -1, err);
      throw err;
    }
  }

  /**
   * Read-modify-write with retries: `fn` gets the current value (undefined when the node is
   * missing, which then gets created) and returns the new one; on a conflict the node is re-read and
   * `fn` runs again.
   * @throws UpdateRetriesExhaustedError after `maxAttempts` conflicts (default 1000).
   */
  async update(
    fn: (current: T | undefined) => T,
    opts: { maxAttempts?: number } = {},
  ): Promise<ConfigSnapshot<T>> {
    const max = opts.maxAttempts ?? 1000;
    // First try from the cache (usually fresh); after a conflict read from the server.
    let current: { value: T | undefined; version: number } | undefined =
      this.snap.stat !== null ? { value: this.snap.value, version: this.snap.version } : undefined;
    for (let attempt = 1; attempt <= max; attempt++) {
      current ??= await this.readCurrent();
      try {
        const next = fn(current.value);
        return current.version < 0 ? await this.create(next) : await this.set(next, current.version);
      } catch (err) {
        if (!(err instanceof ConflictError) && !(err instanceof NoNodeError)) throw err;
        current = undefined;
        // Small random pause so writers that collided do not collide again in lockstep.
        if (attempt % 4 === 0) await new Promise((r) => setTimeout(r, Math.random() * attempt));
      }
    }
    throw new UpdateRetriesExhaustedError(this.path, max);
  }

  /** Removes the watch and stops following sessions (closes clients made by the factory). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.armedOn;
    this.armedOn = undefined;
    if (client !== undefined && (client.state === 'CONNECTED' || client.state === 'READ_ONLY')) {
      await client.removeWatches(this.path, 'any', this.onWatch).catch(() => undefined);
    }
    await this.binding.close();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private readonly onWatch = (event: WatchEvent): void => {
    if (event.type === EventType.None || event.type >= EventType.DataWatchRemoved) return;
    this.refresh();
  };

  private async arm(): Promise<void> {
    if (this.closed) return;
    const client = this.binding.client;
    try {
      await client.addWatch(this.path, 'persistent', this.onWatch);
      this.armedOn = client;
    } catch (err) {
      // Lost connection: 'reconnected' re-arms. Expired: 'client' re-arms on the new session.
      if (err instanceof ConnectionLossError || err instanceof SessionExpiredError) return;
      this.emitError(err);
      return;
    }
    this.refresh();
  }

  /** Reads the node; coalesces: at most one read in flight, one more queued behind it. */
  private refresh(): void {
    if (this.closed) return;
    if (this.reading) {
      this.dirty = true;
      return;
    }
    this.reading = true;
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    try {
      do {
        this.dirty = false;
        const client = this.binding.client;
        let result: { data: Buffer; stat: Stat } | null;
        try {
          result = await client.getData(this.path);
        } catch (err) {
          if (err instanceof NoNodeError) result = null;
          else if (err instanceof ConnectionLossError || err instanceof SessionExpiredError) break;
          else throw err;
        }
        if (this.closed) break;
        if (result === null) this.acceptMissing();
        else this.acceptData(result.data, result.stat);
      } while (this.dirty && !this.closed);
    } catch (err) {
      this.emitError(err);
    } finally {
      this.reading = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async readCurrent(): Promise<{ value: T | undefined; version: number }> {
    try {
      const { data, stat } = await this.binding.client.getData(this.path);
      const value = this.validate(this.parse(data));
      return { value, version: stat.version };
    } catch (err) {
      if (err instanceof NoNodeError) return { value: undefined, version: -1 };
      throw err;
    }
  }

  private acceptData(data: Buffer, stat: Stat): void {
    if (!isNewer(this.seen, stat)) return;
    let value: T;
    try {
      value = this.validate(this.parse(data));
    } catch (cause) {
      // Remember the position so a bad version is reported once and never "un-seen".
      this.seen = observe(this.seen, stat);
      const err = new ConfigValidationError(this.path, stat, cause);
      if (this.listenerCount('invalid') > 0) this.emit('invalid', err);
      return;
    }
    this.accept(value, stat);
  }

  private accept(value: T, stat: Stat): void {
    if (!isNewer(this.seen, stat)) return;
    this.seen = observe(this.seen, stat);
    const previous = this.snap;
    this.snap = { value, version: stat.version, stat };
    this.emit('change', this.snap, previous);
  }

  private acceptMissing(): void {
    if (!isNewer(this.seen, null)) return;
    this.seen = observe(this.seen, null);
    const previous = this.snap;
    this.snap = EMPTY;
    this.emit('change', this.snap, previous);
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
