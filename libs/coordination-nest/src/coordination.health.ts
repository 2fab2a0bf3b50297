/**
 * Terminus health indicator: up while the module's current session is connected (CONNECTED or
 * READ_ONLY), down otherwise (DISCONNECTED means the session may survive, but the instance must not
 * act on coordination state now).
 *
 * The session checked is the one the module's recipes use now, the registry's: the module's first
 * client is dead for good once its session expires, while the registry (like every recipe given
 * the client factory) moves to a new session and re-registers. Checking the first client kept an
 * instance at 503 forever after one expiry although it was registered and serving again.
 */
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ServiceRegistry } from '@registrar/coordination';

/**
 * @example
 *   @Get('health') @HealthCheck()
 *   check() { return this.health.check([() => this.coordination.isHealthy('coordinator')]); }
 */
@Injectable()
export class CoordinationHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(ServiceRegistry) private readonly registry: ServiceRegistry,
  ) {}

  /** `{ [key]: { status: 'up' | 'down', state, sessionId, server } }` */
  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const session = this.indicators.check(key);
    const client = this.registry.client;
    const state = client.state;
    const data = {
      state,
      sessionId: `0x${client.sessionId.toString(16)}`,
      server: client.connectedHost ?? null,
    };
    return state === 'CONNECTED' || state === 'READ_ONLY' ? session.up(data) : session.down(data);
  }
}
