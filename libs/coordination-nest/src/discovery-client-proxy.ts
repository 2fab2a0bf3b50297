/**
 * A ClientProxy for @nestjs/microservices that calls a service by NAME: each call resolves a live
 * instance from the coordinator's registry (ServiceDiscovery's cache, kept current by a persistent
 * recursive watch), balances across instances (round-robin by default), keeps one ClientTCP per
 * endpoint, and when an instance cannot be reached retries the call on another one. The
 * coordinator only does discovery; the RPC itself is plain Nest TCP.
 */
import { Logger } from '@nestjs/common';
import {
  ClientProxy,
  ClientProxyFactory,
  Transport,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import { Observable, defer, type Observer } from 'rxjs';
import { RoundRobinStrategy, type ProviderStrategy } from '@registrar/coordination';
import type { ServiceDiscovery, ServiceProvider } from '@registrar/coordination';
import type { ServiceInstance } from '@registrar/coordination';
import { NoInstanceError } from './no-instance.error.js';

export interface DiscoveryClientProxyOptions {
  /** Service name as registered (`<base>/<service>/<id>`). */
  service: string;
  /** The discovery to resolve through (e.g. the one CoordinationModule provides). */
  discovery: ServiceDiscovery;
  /** Instance picker. Default round-robin. */
  strategy?: ProviderStrategy;
  /** Instances tried per call (default 3). */
  maxAttempts?: number;
  /**
   * Which failures move the call to another instance. Default: transport failures, i.e. `Error`
   * objects (connection refused/reset, "Connection closed"); errors thrown by the remote handler
   * arrive as plain objects and are passed to the caller as they are.
   */
  isRetryable?: (err: unknown) => boolean;
  /** Makes the per-endpoint client. Default: ClientTCP to `address:port`. */
  clientFor?: (instance: ServiceInstance<unknown>) => ClientProxy;
}

const defaultRetryable = (err: unknown): boolean => err instanceof Error;

/**
 * Note on retries: a call whose connection closed after the request was written may have run on
 * the dead instance; the retry makes delivery at-least-once, so handlers should be idempotent
 * (or pass `isRetryable` that only retries connection failures).
 * @example
 *   const proxy = ClientProxyFactory.create({
 *     customClass: DiscoveryClientProxy, options: { service: 'course-enrollment', discovery } });
 *   const seats = await firstValueFrom(proxy.send('course.seats', { courseId }));
 */
export class DiscoveryClientProxy extends ClientProxy {
  private readonly logger = new Logger(DiscoveryClientProxy.name);
  private readonly provider: ServiceProvider<unknown>;
  private readonly endpoints = new Map<string, ClientProxy>();
  private readonly maxAttempts: number;
  private readonly retryable: (err: unknown) => boolean;
  private readonly makeClient: (instance: ServiceInstance<unknown>) => ClientProxy;
  private closed = false;
  private _retries = 0;

  constructor(private readonly options: DiscoveryClientProxyOptions) {
    super();
    this.provider = options.discovery.provider(options.service, options.strategy ?? new RoundRobinStrategy());
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryable = options.isRetryable ?? defaultRetryable;
    this.makeClient =
      options.clientFor ??
      ((inst) =>
        ClientProxyFactory.create({
          transport: Transport.TCP,
          options: { host: inst.address, port: inst.port ?? 0 },
        }));
  }

  /** How many times a call moved to another instance after a transport failure (for metrics). */
  get retries(): number {
    return this._retries;
  }

  /** Loads the service's discovery cache (endpoint clients connect lazily on first use). */
  async connect(): Promise<void> {
    await this.provider.getAllInstances();
  }

  /** Closes every endpoint client. */
  close(): void {
    this.closed = true;
    for (const c of this.endpoints.values()) c.close();
    this.endpoints.clear();
  }

  /** The endpoint clients by "address:port". */
  unwrap<T>(): T {
    return new Map(this.endpoints) as T;
  }

  /** Request-response on a live instance, moving to another one on transport failure. */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    return this.attempt((c) => c.send<TResult, TInput>(pattern, data));
  }

  /** Event to one live instance (not a broadcast), moving to another one on transport failure. */
  override emit<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput): Observable<TResult> {
    return this.attempt((c) => c.emit<TResult, TInput>(pattern, data));
  }

  // Never reached: send/emit are overridden and go through the endpoint clients.
  protected publish(_packet: ReadPacket, _callback: (packet: WritePacket) => void): () => void {
    throw new Error('DiscoveryClientProxy.publish is not used');
  }
  protected dispatchEvent<T = unknown>(_packet: ReadPacket): Promise<T> {
    throw new Error('DiscoveryClientProxy.dispatchEvent is not used');
  }

  private attempt<T>(call: (client: ClientProxy) => Observable<T>): Observable<T> {
    return new Observable<T>((observer: Observer<T>) => {
      const tried = new Set<string>();
      let lastErr: unknown;
      let inner: { unsubscribe(): void } | undefined;
      let stopped = false;
      const next = (n: number): void => {
        void this.provider.getInstance(tried).then(
          (inst) => {
            if (stopped) return;
            if (inst === undefined) {
              observer.error(lastErr ?? new NoInstanceError(this.options.service));
              return;
            }
            tried.add(inst.id);
            let emitted = false;
            inner = defer(() => call(this.clientOf(inst))).subscribe({
              next: (v) => {
                emitted = true;
                observer.next(v);
              },
              complete: () => observer.complete(),
              error: (err: unknown) => {
                // Never retry once the caller saw values: the call did run.
                if (emitted || !this.retryable(err) || n >= this.maxAttempts || this.closed) {
                  observer.error(err);
                  return;
                }
                lastErr = err;
                this._retries++;
                this.logger.warn(
                  `${this.options.service}: ${inst.address}:${inst.port} failed (${err instanceof Error ? err.message : String(err)}); trying another instance`,
                );
                this.provider.noteError(inst);
                this.dropClient(inst);
                next(n + 1);
              },
            });
          },
          (err: unknown) => observer.error(err),
        );
      };
      if (this.closed) return void observer.error(new Error('DiscoveryClientProxy is closed'));
      next(1);
      return () => {
        stopped = true;
        inner?.unsubscribe();
      };
    });
  }

  private clientOf(inst: ServiceInstance<unknown>): ClientProxy {
    const key = `${inst.address}:${inst.port}`;
    let c = this.endpoints.get(key);
    if (c === undefined) {
      c = this.makeClient(inst);
      this.endpoints.set(key, c);
    }
    return c;
  }

  private dropClient(inst: ServiceInstance<unknown>): void {
    const key = `${inst.address}:${inst.port}`;
    const c = this.endpoints.get(key);
    if (c === undefined) return;
    this.endpoints.delete(key);
    c.close();
  }
}
