/**
 * Service discovery: a live cache of the instances of each service (Curator's ServiceCache), each a
 * TreeCache of depth 1 on `<base>/<name>`, so one persistent recursive watch per service replaces
 * the child watch + per-instance getData of PathChildrenCache (no read storms, pain point #1).
 * Instances leave the cache when their ephemeral znode goes, i.e. when their session expires or
 * closes. Events carry the instance that changed (CURATOR-380).
 */
import { EventEmitter } from 'node:events';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { NoNodeError } from '../protocol/errors.js';
import { RoundRobinStrategy, type ProviderStrategy } from './provider-strategy.js';
import { isEnabled, parseInstance, type ServiceInstance } from './service-instance.js';
import { DEFAULT_SERVICES_PATH, servicePath } from './service-registry.js';
import { SessionBinding, type ClientFactory } from './session-binding.js';
import { TreeCache, type TreeNode } from './tree-cache.js';

/** Events of {@link ServiceCache}. */
export interface ServiceCacheEvents<P> {
  added: [instance: ServiceInstance<P>];
  updated: [instance: ServiceInstance<P>, previous: ServiceInstance<P>];
  removed: [instance: ServiceInstance<P>];
  /** Any of the above; `instances` is the new list. */
  changed: [instances: ServiceInstance<P>[]];
  /** An instance znode held data that is not a ServiceInstance (it is left out). */
  invalid: [path: string, error: unknown];
}

/**
 * Live instances of one service.
 * @example
 *   const cache = await discovery.serviceCache('course-enrollment');
 *   cache.on('removed', (i) => console.log('gone', i.id));
 *   cache.instances();
 */
export class ServiceCache<P = unknown> extends EventEmitter<ServiceCacheEvents<P>> {
  private readonly byId = new Map<string, ServiceInstance<P>>();
  private readonly tree: TreeCache;

  /** Use {@link ServiceDiscovery.serviceCache}. */
  constructor(
    readonly name: string,
    binding: SessionBinding,
    basePath: string,
  ) {
    super();
    const root = servicePath(basePath, name);
    this.tree = new TreeCache({ client: binding, path: root, maxDepth: 1 });
    this.tree.on('added', (path, node) => this.onNode(root, path, node));
    this.tree.on('updated', (path, node) => this.onNode(root, path, node));
    this.tree.on('removed', (path) => {
      if (path === root) return;
      const id = path.slice(root.length + 1);
      const inst = this.byId.get(id);
      if (inst === undefined) return;
      this.byId.delete(id);
      this.emit('removed', inst);
      this.emit('changed', this.instances());
    });
  }

  /** @internal loads the cache. */
  start(): Promise<void> {
    return this.tree.start();
  }

  /** Current instances (including disabled ones; pickers skip those). */
  instances(): ServiceInstance<P>[] {
    return [...this.byId.values()];
  }

  /** Resolves once every event seen so far has been applied. */
  idle(): Promise<void> {
    return this.tree.idle();
  }

  /** @internal */
  close(): Promise<void> {
    return this.tree.close();
  }

  private onNode(root: string, path: string, node: TreeNode): void {
    if (path === root) return;
    const id = path.slice(root.length + 1);
    let inst: ServiceInstance<P>;
    try {
      inst = parseInstance<P>(node.data);
    } catch (err) {
      if (this.listenerCount('invalid') > 0) this.emit('invalid', path, err);
      return;
    }
    // The znode name is the id that counts (Curator reads the node name the same way).
    if (inst.id !== id) inst = { ...inst, id };
    const previous = this.byId.get(id);
    this.byId.set(id, inst);
    if (previous === undefined) this.emit('added', inst);
    else this.emit('updated', inst, previous);
    this.emit('changed', this.instances());
  }
}

export interface ServiceDiscoveryOptions {
  client: ZooKeeperClient;
  /** Default '/services'. */
  basePath?: string;
  /** Replaces the client after session expiry (discovery then owns and closes those clients). */
  clientFactory?: ClientFactory;
}

/**
 * Discovers instances registered by {@link ServiceRegistry} (or Curator / Spring Cloud Zookeeper).
 * @example
 *   const discovery = new ServiceDiscovery({ client: zk });
 *   const provider = discovery.provider('course-enrollment');
 *   const inst = await provider.getInstance(); // round-robin
 *   await discovery.close();
 */
export class ServiceDiscovery {
  readonly basePath: string;
  private readonly binding: SessionBinding;
  private readonly caches = new Map<string, { cache: ServiceCache<unknown>; ready: Promise<void> }>();
  private closed = false;

  constructor(opts: ServiceDiscoveryOptions) {
    this.basePath = opts.basePath ?? DEFAULT_SERVICES_PATH;
    this.binding = new SessionBinding(opts.client, { clientFactory: opts.clientFactory });
    // Every service cache listens on the shared binding: no listener cap.
    this.binding.setMaxListeners(0);
  }

  /** The client in use. */
  get client(): ZooKeeperClient {
    return this.binding.client;
  }

  /** The live cache of `name`, created and loaded on first use, shared afterwards. */
  async serviceCache<P = unknown>(name: string): Promise<ServiceCache<P>> {
    if (this.closed) throw new Error('ServiceDiscovery is closed');
    let entry = this.caches.get(name);
    if (entry === undefined) {
      const cache = new ServiceCache<unknown>(name, this.binding, this.basePath);
      entry = { cache, ready: cache.start() };
      this.caches.set(name, entry);
    }
    await entry.ready;
    return entry.cache as ServiceCache<P>;
  }

  /** Live instances of `name` (from the cache). */
  async instances<P = unknown>(name: string): Promise<ServiceInstance<P>[]> {
    return (await this.serviceCache<P>(name)).instances();
  }

  /** Names of the registered services (read from the server, not cached). */
  async serviceNames(): Promise<string[]> {
    try {
      return (await this.binding.client.getChildren(this.basePath)).sort();
    } catch (err) {
      if (err instanceof NoNodeError) return [];
      throw err;
    }
  }

  /** A picker for `name` over the live cache (default round-robin). */
  provider<P = unknown>(
    name: string,
    strategy: ProviderStrategy = new RoundRobinStrategy(),
  ): ServiceProvider<P> {
    return new ServiceProvider<P>(() => this.serviceCache<P>(name), strategy);
  }

  /** Closes every cache and stops following sessions. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const entries = [...this.caches.values()];
    this.caches.clear();
    await Promise.all(entries.map((e) => e.cache.close()));
    await this.binding.close();
  }
}

/**
 * Picks instances of one service (Curator's ServiceProvider). `noteError` parks an instance for
 * `downForMs` so callers stop picking an instance they just failed to reach, before its session
 * expires and the cache drops it (Curator's DownInstancePolicy).
 */
export class ServiceProvider<P = unknown> {
  private readonly down = new Map<string, number>();

  constructor(
    private readonly cache: () => Promise<ServiceCache<P>>,
    private readonly strategy: ProviderStrategy,
    private readonly downForMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  /** One live, enabled, not recently failed instance; undefined when there is none. */
  async getInstance(exclude: ReadonlySet<string> = new Set()): Promise<ServiceInstance<P> | undefined> {
    const all = (await this.cache()).instances().filter(isEnabled);
    const t = this.now();
    for (const [id, until] of this.down) if (until <= t) this.down.delete(id);
    const candidates = all.filter((i) => !exclude.has(i.id) && !this.down.has(i.id));
    // When every instance is parked, try the parked ones rather than fail outright.
    return this.strategy.pick(candidates.length > 0 ? candidates : all.filter((i) => !exclude.has(i.id)));
  }

  /** All live instances. */
  async getAllInstances(): Promise<ServiceInstance<P>[]> {
    return (await this.cache()).instances();
  }

  /** Reports that `instance` failed; it is skipped for a while. */
  noteError(instance: Pick<ServiceInstance<unknown>, 'id'>): void {
    this.down.set(instance.id, this.now() + this.downForMs);
  }
}
