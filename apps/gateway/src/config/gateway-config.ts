/** Typed access to the validated environment (the only place the gateway reads configuration). */
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { parseConnectString, type HostAddress } from '@registrar/coordination';
import type { GatewayEnv } from './gateway-env.js';

@Injectable()
export class GatewayConfig {
  constructor(private readonly config: ConfigService<GatewayEnv, true>) {}

  get connectString(): string {
    return this.config.get('COORDINATION_CONNECT_STRING', { infer: true });
  }
  /** The members named in the connect string, in order. */
  get members(): HostAddress[] {
    return parseConnectString(this.connectString).hosts;
  }
  get sessionTimeoutMs(): number | undefined {
    return this.config.get('COORDINATION_SESSION_TIMEOUT_MS', { infer: true });
  }
  get zkRoot(): string {
    return this.config.get('REGISTRAR_ZK_ROOT', { infer: true });
  }
  /** Base path of the service registry. */
  get servicesPath(): string {
    return `${this.zkRoot}/services`;
  }
  get host(): string {
    return this.config.get('HOST', { infer: true });
  }
  get port(): number {
    return this.config.get('HTTP_PORT', { infer: true });
  }
  get rateLimitPerMinute(): number {
    return this.config.get('GATEWAY_RATE_LIMIT_PER_MINUTE', { infer: true });
  }
  get webRoot(): string | undefined {
    return this.config.get('GATEWAY_WEB_ROOT', { infer: true });
  }
  get clusterPollMs(): number {
    return this.config.get('GATEWAY_CLUSTER_POLL_MS', { infer: true });
  }
  get logFormat(): 'json' | 'pretty' {
    return this.config.get('LOG_FORMAT', { infer: true });
  }
}
