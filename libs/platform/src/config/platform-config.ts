/**
 * Typed read access to the validated environment. Injected everywhere instead of ConfigService so
 * that a key's type and default live in one place (PlatformEnv).
 */
import { randomUUID } from 'node:crypto';
import type { PlatformEnv } from './platform-env.js';

export class PlatformConfig<E extends PlatformEnv = PlatformEnv> {
  readonly instanceId: string;

  constructor(
    readonly service: string,
    readonly env: E,
  ) {
    this.instanceId = env.INSTANCE_ID ?? `${service}-${randomUUID().slice(0, 8)}`;
  }

  get connectString(): string {
    return this.env.COORDINATION_CONNECT_STRING;
  }
  get sessionTimeoutMs(): number {
    return this.env.COORDINATION_SESSION_TIMEOUT_MS;
  }
  get zkRoot(): string {
    return this.env.REGISTRAR_ZK_ROOT;
  }
  get host(): string {
    return this.env.HOST;
  }
  get advertisedHost(): string {
    return this.env.ADVERTISED_HOST ?? (this.env.HOST === '0.0.0.0' ? '127.0.0.1' : this.env.HOST);
  }
  get httpPort(): number {
    return this.env.HTTP_PORT;
  }
  get rpcPort(): number | undefined {
    return this.env.RPC_PORT;
  }
  get logFormat(): 'json' | 'pretty' {
    return this.env.LOG_FORMAT;
  }
  get logLevel(): PlatformEnv['LOG_LEVEL'] {
    return this.env.LOG_LEVEL;
  }

  /** Whether a planted bug (test-only broken behaviour) is switched on. */
  planted(bug: string): boolean {
    return (this.env.REGISTRAR_PLANTED_BUGS ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes(bug);
  }
}
