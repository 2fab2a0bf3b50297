/**
 * Terminus health indicator: up while the module's session is connected (CONNECTED or READ_ONLY),
 * down otherwise (DISCONNECTED means the session may survive, but the instance must not act on
 * coordination state now; EXPIRED/CLOSED are terminal).
 */
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { ZooKeeperClient } from '@registrar/coordination';
import { COORDINATION_CLIENT } from './coordination.constants.js';

/**
 * @example
 *   @Get('health') @HealthCheck()
 *   check() { return this.health.check([() => this.coordination.isHealthy('coordinator')]); }
 */
@Injectable()
export class CoordinationHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(COORDINATION_CLIENT) private readonly client: ZooKeeperClient,
  ) {}

  /** `{ [key]: { status: 'up' | 'down', state, sessionId, server } }` */
  isHealthy<const Key extends string>(key: Key): HealthIndicatorResult<Key> {
    const session = this.indicators.check(key);
    const state = this.client.state;
    const data = {
      state,
      sessionId: `0x${this.client.sessionId.toString(16)}`,
      server: this.client.connectedHost ?? null,
    };
    return state === 'CONNECTED' || state === 'READ_ONLY' ? session.up(data) : session.down(data);
  }
}
