/**
 * This instance's entry in the service registry. Written once the HTTP (and RPC) ports listen, so
 * a caller never discovers an instance that cannot answer yet; removed before the HTTP server
 * closes on shutdown, so callers stop choosing it before it stops answering.
 *
 * A registration that meets session trouble (ConnectionLoss while the member it talks to dies or
 * an election runs, SessionExpired, ...) is retried with bounded backoff until it succeeds or the
 * application shuts down: the instance keeps serving meanwhile, and its /health answers 503 while
 * the session is down, so nothing routes to it until it is registered.
 */
import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { serviceInstance, ServiceRegistry, type ServiceInstance } from '@registrar/coordination';
import { PlatformConfig } from '../config/platform-config.js';
import { retryTransient } from './boot-retry.js';

/** What every instance publishes beside its HTTP address. */
export interface InstancePayload {
  rpcPort: number | null;
  version: string;
  startedAt: string;
}

@Injectable()
export class InstanceRegistration implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Registry');
  private instance: ServiceInstance<InstancePayload> | undefined;
  /** Aborted on shutdown: a registration still retrying then gives up. */
  private readonly stopping = new AbortController();

  constructor(
    @Inject(ServiceRegistry) private readonly registry: ServiceRegistry,
    @Inject(PlatformConfig) private readonly config: PlatformConfig,
  ) {}

  get current(): ServiceInstance<InstancePayload> | undefined {
    return this.instance;
  }

  /**
   * Registers this instance, retrying session trouble until it succeeds.
   * @returns the registered instance, or undefined when the application shut down first
   * @throws anything that is not session trouble (a malformed instance, a bug)
   */
  async register(
    httpPort: number,
    rpcPort: number | null,
    version: string,
  ): Promise<ServiceInstance<InstancePayload> | undefined> {
    const instance = serviceInstance<InstancePayload>({
      name: this.config.service,
      id: this.config.instanceId,
      address: this.config.advertisedHost,
      port: httpPort,
      payload: { rpcPort, version, startedAt: new Date().toISOString() },
      uriSpec: '{scheme}://{address}:{port}',
    });
    const registered = await retryTransient(
      async () => {
        await this.registry.register(instance);
        return true;
      },
      {
        signal: this.stopping.signal,
        onRetry: (err, attempt, delay) =>
          this.logger.warn(
            `registration of ${instance.name}/${instance.id} failed (attempt ${attempt}): ${String(err)}; ` +
              `retrying in ${delay} ms`,
          ),
      },
    );
    if (registered === undefined) return undefined; // shut down before it went through
    this.instance = instance;
    this.logger.log(`registered ${instance.name}/${instance.id} at ${instance.address}:${httpPort}`);
    return instance;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    if (this.instance === undefined) return;
    const { name, id } = this.instance;
    this.instance = undefined;
    await this.registry.unregister({ name, id }).catch((e) => this.logger.warn(`unregister: ${String(e)}`));
  }
}

/**
 * Where an instance's TCP microservice listens. The registry's `port` is the HTTP port (what the
 * gateway dials); the RPC port travels in the payload, so a `DiscoveryClientProxy` needs this as
 * its `clientFor` endpoint.
 * @example
 *   new DiscoveryClientProxy({ service, discovery, clientFor: (i) =>
 *     ClientProxyFactory.create({ transport: Transport.TCP, options: rpcEndpointOf(i) }) });
 */
export function rpcEndpointOf(instance: ServiceInstance<unknown>): { host: string; port: number } {
  const payload = instance.payload as Partial<InstancePayload> | null;
  const port = payload?.rpcPort ?? null;
  if (port === null) throw new Error(`${instance.name}/${instance.id} registered no RPC port`);
  return { host: instance.address, port };
}
