/**
 * `GET /health`: ready when the database answers and the coordinator session is connected. The
 * gateway and `npm start` wait on it; an instance whose session is down answers 503 so callers move
 * on to another one.
 * The coordinator check follows the module's current session (coordination.health.ts), so an
 * instance is healthy again once its recipes have moved to a new session after an expiry. A 503
 * names the failing checks (health-failure.ts).
 */
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { CoordinationHealthIndicator } from '@registrar/coordination-nest';
import { Public } from '../auth/auth.decorators.js';
import { healthFailure, isFailedHealthCheck } from './health-failure.js';

/** Whether this app has a database to check. */
export const DATABASE_ENABLED = Symbol('DATABASE_ENABLED');

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(TypeOrmHealthIndicator) private readonly db: TypeOrmHealthIndicator,
    @Inject(CoordinationHealthIndicator) private readonly coordinator: CoordinationHealthIndicator,
    @Inject(DATABASE_ENABLED) private readonly withDatabase: boolean,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  async check() {
    const checks: HealthIndicatorFunction[] = [() => this.coordinator.isHealthy('coordinator')];
    if (this.withDatabase) checks.unshift(() => this.db.pingCheck('database', { timeout: 3_000 }));
    try {
      return await this.health.check(checks);
    } catch (err) {
      if (err instanceof ServiceUnavailableException) {
        const result = err.getResponse();
        if (isFailedHealthCheck(result)) throw healthFailure(result);
      }
      throw err;
    }
  }
}
