/**
 * Service registry: each instance is a znode `<base>/<name>/<id>` holding Curator's ServiceInstance
 * JSON, EPHEMERAL for DYNAMIC instances (gone when the session ends) and PERSISTENT for STATIC /
 * PERMANENT ones. Parents are container nodes, so empty service folders do not pile up
 * (CURATOR-163). Fixes the usual registry pains: a re-registration that hits NODEEXISTS because the
 * previous (crashed) session's node is still there replaces that node atomically (delete with its
 * version + create, in one multi); a reconnect re-checks every instance; and an expired session
 * re-registers everything on a new client when a `clientFactory` is given.
 */
import { EventEmitter } from 'node:events';
import { TransactionError } from '../client/transaction.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import {
  BadArgumentsError,
  ConnectionLossError,
  NodeExistsError,
  NoNodeError,
  SessionExpiredError,
} from '../protocol/errors.js';
import { checkInstance, serializeInstance, type ServiceInstance } from './service-instance.js';
import { SessionBinding, type ClientFactory } from './session-binding.js';

/** Spring Cloud Zookeeper's and our default base path. */
export const DEFAULT_SERVICES_PATH = '/services';

/** `<base>/<name>` */
export function servicePath(basePath: string, name: string): string {
  return `${basePath === '/' ? '' : basePath}/${name}`;
}

/** `<base>/<name>/<id>` */
export function instancePath(basePath: string, name: string, id: string): string {
  return `${servicePath(basePath, name)}/${id}`;
}

/** Events of {@link ServiceRegistry}. */
export interface ServiceRegistryEvents {
  /** The instance's znode was (re)written; `reason` says why. */
  registered: [instance: ServiceInstance<unknown>, reason: 'register' | 'reconnect' | 'new-session'];
  /** A background re-registration failed; it is tried again on the next reconnect. */
  error: [error: unknown];
}

export interface ServiceRegistryOptions {
  client: ZooKeeperClient;
  /** Default '/services'. */
  basePath?: string;
  /** Replaces the client after session expiry (the registry then owns and closes those clients). */
  clientFactory?: ClientFactory;
}

const MAX_ATTEMPTS = 20;

/**
 * @example
 *   const registry = new ServiceRegistry({ client: zk, clientFactory: () => ZooKeeperClient.connect(hosts) });
 *   await registry.register(serviceInstance({ name: 'course-enrollment', address: '127.0.0.1', port: 4101 }));
 *   ...
 *   await registry.close(); // deletes our instances
 */
export class ServiceRegistry extends EventEmitter<ServiceRegistryEvents> {
  readonly basePath: string;
  private readonly binding: SessionBinding;
  private readonly instances = new Map<string, ServiceInstance<unknown>>();
  private closed = false;

  constructor(opts: ServiceRegistryOptions) {
    super();
    this.basePath = opts.basePath ?? DEFAULT_SERVICES_PATH;
    this.binding = new SessionBinding(opts.client, { clientFactory: opts.clientFactory });
    this.binding.on('client', () => this.rewriteAll('new-session', false));
    this.binding.on('reconnected', () => this.rewriteAll('reconnect', true));
    this.binding.on('error', (e) => this.emitError(e));
  }

  /** The client in use. */
  get client(): ZooKeeperClient {
    return this.binding.client;
  }

  /** Instances this registry keeps registered. */
  get registered(): ServiceInstance<unknown>[] {
    return [...this.instances.values()];
  }

  /**
   * Writes the instance's znode and keeps it registered (across reconnects and, with a factory,
   * session expiry). Registering the same id again updates it.
   * @throws BadArgumentsError for a malformed instance or DYNAMIC_SEQUENTIAL (not supported: its
   *   id would be chosen by the server).
   */
  async register(instance: ServiceInstance<unknown>): Promise<void> {
    checkInstance(instance);
    if (instance.serviceType === 'DYNAMIC_SEQUENTIAL') {
      throw new BadArgumentsError(undefined, { detail: 'DYNAMIC_SEQUENTIAL instances are not supported' });
    }
    this.instances.set(key(instance), instance);
    await this.write(instance);
    this.emit('registered', instance, 'register');
  }

  /** Rewrites a registered instance's data (e.g. a new payload). */
  async update(instance: ServiceInstance<unknown>): Promise<void> {
    if (!this.instances.has(key(instance))) {
      throw new NoNodeError(this.pathOf(instance), { detail: 'instance is not registered here' });
    }
    await this.register(instance);
  }

  /** Deletes the instance's znode and forgets it. Missing nodes are fine. */
  async unregister(instance: Pick<ServiceInstance<unknown>, 'name' | 'id'>): Promise<void> {
    this.instances.delete(key(instance));
    try {
      await this.binding.client.delete(this.pathOf(instance));
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
    }
  }

  /**
   * Unregisters every instance (so callers stop seeing them at once, not after the session
   * timeout) and stops following sessions.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.instances.values()];
    const client = this.binding.client;
    if (client.state === 'CONNECTED' || client.state === 'READ_ONLY') {
      await Promise.all(all.map((i) => this.unregister(i).catch(() => undefined)));
    }
    this.instances.clear();
    await this.binding.close();
  }

  private pathOf(instance: Pick<ServiceInstance<unknown>, 'name' | 'id'>): string {
    return instancePath(this.basePath, instance.name, instance.id);
  }

  private rewriteAll(reason: 'reconnect' | 'new-session', onlyIfMissing: boolean): void {
    if (this.closed) return;
    for (const inst of this.instances.values()) {
      const run = async () => {
        if (onlyIfMissing && (await this.isOurs(inst))) return;
        // Unregistered meanwhile: leave it alone.
        if (this.instances.get(key(inst)) !== inst) return;
        await this.write(inst);
        this.emit('registered', inst, reason);
      };
      run().catch((err: unknown) => {
        if (err instanceof ConnectionLossError || err instanceof SessionExpiredError) return;
        this.emitError(err);
      });
    }
  }

  /** True when the znode exists and (for ephemerals) belongs to our current session. */
  private async isOurs(inst: ServiceInstance<unknown>): Promise<boolean> {
    const client = this.binding.client;
    const stat = await client.exists(this.pathOf(inst));
    if (stat === null) return false;
    return inst.serviceType !== 'DYNAMIC' || stat.ephemeralOwner === client.sessionId;
  }

  /** Creates or replaces the znode; idempotent, retried through transient races. */
  private async write(inst: ServiceInstance<unknown>): Promise<void> {
    const path = this.pathOf(inst);
    const data = serializeInstance(inst);
    const ephemeral = inst.serviceType === 'DYNAMIC';
    const mode = ephemeral ? 'ephemeral' : 'persistent';
    let lastErr: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const client = this.binding.client;
      try {
        await client.create(path, data, { mode });
        return;
      } catch (err) {
        lastErr = err;
        if (err instanceof NoNodeError) {
          // A container parent may be reaped between our create of it and of the child: loop.
          await this.ensureParents(client, inst.name);
          continue;
        }
        if (!(err instanceof NodeExistsError)) throw err;
      }
      const stat = await client.exists(path);
      if (stat === null) continue; // vanished meanwhile (e.g. the old session just expired)
      if (!ephemeral || stat.ephemeralOwner === client.sessionId) {
        // Ours (e.g. our create succeeded before a connection loss): just refresh the data.
        await client.setData(path, data, -1);
        return;
      }
      // Left behind by another (typically our previous, crashed) session: replace it atomically,
      // so nobody sees the service without this instance in between.
      try {
        await client.multi([
          { type: 'delete', path, version: stat.version },
          { type: 'create', path, data, mode: 'ephemeral' },
        ]);
        return;
      } catch (err) {
        lastErr = err;
        if (!(err instanceof TransactionError)) throw err;
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(`could not register ${path}`);
  }

  private async ensureParents(client: ZooKeeperClient, name: string): Promise<void> {
    const full = servicePath(this.basePath, name);
    const segments = full.split('/').filter((s) => s !== '');
    let path = '';
    for (const seg of segments) {
      path += '/' + seg;
      try {
        await client.create(path, '', { mode: 'container' });
      } catch (err) {
        if (!(err instanceof NodeExistsError)) throw err;
      }
    }
  }

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}

function key(i: Pick<ServiceInstance<unknown>, 'name' | 'id'>): string {
  return `${i.name}/${i.id}`;
}
