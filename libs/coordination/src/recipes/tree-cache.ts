/**
 * Tree cache: a subtree (path -> { data, stat }) mirrored through ONE persistent recursive watch,
 * in the spirit of Curator's CuratorCache. The recursive watch fires NodeCreated / NodeDataChanged
 * / NodeDeleted for every descendant, so no per-node watches are re-set and no child lists are
 * re-read on data changes. The server re-adds the watch silently after a reconnect, so whatever
 * happened while we were cut off is found by a full resync (walk and diff).
 */
import { EventEmitter } from 'node:events';
import type { WatchEvent } from '../client/watch-registry.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { EventType } from '../protocol/constants.js';
import { ConnectionLossError, NoNodeError, SessionExpiredError } from '../protocol/errors.js';
import type { Stat } from '../protocol/records.js';
import { SessionBinding, type ClientFactory } from './session-binding.js';

/** One cached znode. */
export interface TreeNode {
  data: Buffer;
  stat: Stat;
}

/** Events of {@link TreeCache}; paths are relative to the client's chroot. */
export interface TreeCacheEvents {
  added: [path: string, node: TreeNode];
  updated: [path: string, node: TreeNode, previous: TreeNode];
  removed: [path: string, node: TreeNode];
  /** The initial load (or a resync after reconnect/expiry) finished. */
  initialized: [];
  /** A background read failed unexpectedly; the cache resyncs on the next reconnect. */
  error: [error: unknown];
}

export interface TreeCacheOptions {
  /** A client, or a binding shared with other recipes (then not closed by this cache). */
  client: ZooKeeperClient | SessionBinding;
  /** Root of the subtree (it may not exist yet). */
  path: string;
  /** Replaces the client after session expiry (the cache then owns and closes those clients). */
  clientFactory?: ClientFactory;
  /** Only cache nodes up to this depth below the root (root = 0). Default unlimited. */
  maxDepth?: number;
}

/**
 * @example
 *   const tree = new TreeCache({ client: zk, path: '/config' });
 *   tree.on('updated', (path, node) => console.log(path, node.data.toString()));
 *   await tree.start();
 *   tree.get('/config/a')?.data;
 */
export class TreeCache extends EventEmitter<TreeCacheEvents> {
  readonly path: string;
  private readonly binding: SessionBinding;
  private readonly ownsBinding: boolean;
  private readonly nodes = new Map<string, TreeNode>();
  private readonly maxDepth: number;
  private armedOn: ZooKeeperClient | undefined;
  private closed = false;
  private started: Promise<void> | undefined;
  /** Work in flight (event refreshes and resyncs) as a chain, so results apply in request order. */
  private chain: Promise<void> = Promise.resolve();
  private pendingWork = 0;

  constructor(opts: TreeCacheOptions) {
    super();
    this.path = opts.path;
    this.maxDepth = opts.maxDepth ?? Number.POSITIVE_INFINITY;
    this.ownsBinding = !(opts.client instanceof SessionBinding);
    this.binding =
      opts.client instanceof SessionBinding
        ? opts.client
        : new SessionBinding(opts.client, { clientFactory: opts.clientFactory });
    this.binding.on('client', this.onClient);
    this.binding.on('reconnected', this.onReconnected);
    if (this.ownsBinding) this.binding.on('error', (e) => this.emitError(e));
  }

  private readonly onClient = (): void => void this.arm();
  private readonly onReconnected = (): void =>
    void (this.armedOn === this.binding.client ? this.resync() : this.arm());

  /** The client in use. */
  get client(): ZooKeeperClient {
    return this.binding.client;
  }

  /** Sets the recursive watch and loads the subtree; resolves after the initial load. */
  start(): Promise<void> {
    this.started ??= this.arm();
    return this.started;
  }

  /** The cached node at `path`, if any. */
  get(path: string): TreeNode | undefined {
    return this.nodes.get(path);
  }

  /** Every cached path with its node (a copy). */
  entries(): Map<string, TreeNode> {
    return new Map(this.nodes);
  }

  /** Cached direct children of `path` (names). */
  children(path: string): string[] {
    const prefix = path === '/' ? '/' : path + '/';
    const out: string[] = [];
    for (const p of this.nodes.keys()) {
      if (p.startsWith(prefix) && p.length > prefix.length && !p.includes('/', prefix.length)) {
        out.push(p.slice(prefix.length));
      }
    }
    return out;
  }

  /** Resolves when every refresh queued so far has been applied. */
  async idle(): Promise<void> {
    while (this.pendingWork > 0) await this.chain;
  }

  /** Moves to another client; the caller keeps ownership. */
  rebind(client: ZooKeeperClient): void {
    this.binding.rebind(client);
  }

  /** Removes the watch and stops following sessions. The cached entries stay readable. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.armedOn;
    this.armedOn = undefined;
    if (client !== undefined && (client.state === 'CONNECTED' || client.state === 'READ_ONLY')) {
      await client.removeWatches(this.path, 'any', this.onWatch).catch(() => undefined);
    }
    this.binding.off('client', this.onClient);
    this.binding.off('reconnected', this.onReconnected);
    if (this.ownsBinding) await this.binding.close();
  }

  private readonly onWatch = (event: WatchEvent): void => {
    if (event.type === EventType.None || event.type >= EventType.DataWatchRemoved) return;
    if (this.depthOf(event.path) > this.maxDepth) return;
    if (event.type === EventType.NodeDataChanged) this.enqueue(() => this.refreshData(event.path));
    else this.enqueue(() => this.sync(event.path));
  };

  private async arm(): Promise<void> {
    if (this.closed) return;
    const client = this.binding.client;
    try {
      await client.addWatch(this.path, 'recursive', this.onWatch);
      this.armedOn = client;
    } catch (err) {
      if (err instanceof ConnectionLossError || err instanceof SessionExpiredError) return;
      this.emitError(err);
      return;
    }
    await this.resync();
  }

  /** Walks the whole subtree and diffs it against the cache. */
  private resync(): Promise<void> {
    return this.enqueue(async () => {
      await this.sync(this.path);
      if (!this.closed) this.emit('initialized');
    });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.pendingWork++;
    const run = async () => {
      try {
        if (!this.closed) await work();
      } catch (err) {
        // Connection trouble is healed by the resync on reconnect / new session.
        if (!(err instanceof ConnectionLossError) && !(err instanceof SessionExpiredError))
          this.emitError(err);
      } finally {
        this.pendingWork--;
      }
    };
    this.chain = this.chain.then(run);
    return this.chain;
  }

  /** Data only (a NodeDataChanged event): no child list needed. */
  private async refreshData(path: string): Promise<void> {
    const client = this.binding.client;
    try {
      const { data, stat } = await client.getData(path);
      this.put(path, { data, stat });
    } catch (err) {
      if (err instanceof NoNodeError) this.removeSubtree(path);
      else throw err;
    }
  }

  /**
   * Brings `path` and everything below it in line with the server. Reads of one level are
   * pipelined (issued together), then each child is synced.
   */
  private async sync(path: string): Promise<void> {
    const client = this.binding.client;
    const depth = this.depthOf(path);
    const wantChildren = depth < this.maxDepth;
    const [node, children] = await Promise.all([
      client.getData(path).catch((e: unknown) => (e instanceof NoNodeError ? null : Promise.reject(e))),
      wantChildren
        ? client
            .getChildren(path)
            .catch((e: unknown) => (e instanceof NoNodeError ? null : Promise.reject(e)))
        : Promise.resolve([] as string[]),
    ]);
    if (this.closed) return;
    if (node === null || children === null) {
      this.removeSubtree(path);
      return;
    }
    const old = this.nodes.get(path);
    if (old !== undefined && old.stat.czxid !== node.stat.czxid) {
      // Deleted and re-created while we looked away: the old incarnation's children are gone too.
      this.removeSubtree(path);
    }
    this.put(path, node);
    const names = new Set(children);
    const prefix = path === '/' ? '/' : path + '/';
    for (const name of this.children(path)) {
      if (!names.has(name)) this.removeSubtree(prefix + name);
    }
    await Promise.all(children.map((name) => this.sync(prefix + name)));
  }

  private put(path: string, node: TreeNode): void {
    const old = this.nodes.get(path);
    if (old === undefined) {
      this.nodes.set(path, node);
      this.emit('added', path, node);
      return;
    }
    // Same incarnation at an older or equal version: a stale read, ignore.
    if (old.stat.czxid === node.stat.czxid && node.stat.mzxid <= old.stat.mzxid) {
      if (node.stat.pzxid > old.stat.pzxid) this.nodes.set(path, { data: old.data, stat: node.stat });
      return;
    }
    if (old.stat.czxid > node.stat.czxid) return;
    this.nodes.set(path, node);
    this.emit('updated', path, node, old);
  }

  /** Removes `path` and its descendants, deepest first. */
  private removeSubtree(path: string): void {
    const prefix = path === '/' ? '/' : path + '/';
    const doomed = [...this.nodes.keys()].filter((p) => p === path || p.startsWith(prefix));
    doomed.sort((a, b) => b.length - a.length);
    for (const p of doomed) {
      const node = this.nodes.get(p)!;
      this.nodes.delete(p);
      this.emit('removed', p, node);
    }
  }

  private depthOf(path: string): number {
    if (path === this.path) return 0;
    const rest = this.path === '/' ? path : path.slice(this.path.length);
    let d = 0;
    for (let i = 0; i < rest.length; i++) if (rest.charCodeAt(i) === 0x2f) d++;
    return d;
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
