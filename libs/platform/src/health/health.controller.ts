/**
 * `GET /health`: ready when the database answers and the coordinator session is connected. The
 * gateway and `npm start` wait on it; an instance whose session is down answers 503 so callers move
 * on to another one.
 *
 * The session checked is the registry's current one: the module's first client is dead for good
 * once its session expires, while the registry (like every recipe with the client factory) moves
 * to a new session and re-registers. Checking the first client kept an instance at 503 forever
 * after one expiry although it was registered and serving again.
 */
import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { ServiceRegistry } from '@registrar/coordination';
import { CoordinationHealthIndicator } from '@registrar/coordination-nest';
import { Public } from '../auth/auth.decorators.js';

/** Whether this app has a database to check. */
export const DATABASE_ENABLED = Symbol('DATABASE_ENABLED');

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(TypeOrmHealthIndicator) private readonly db: TypeOrmHealthIndicator,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(ServiceRegistry) private readonly registry: ServiceRegistry,
    @Inject(DATABASE_ENABLED) private readonly withDatabase: boolean,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  check() {
    const session = new CoordinationHealthIndicator(this.indicators, this.registry.client);
    const checks: HealthIndicatorFunction[] = [() => session.isHealthy('coordinator')];
    if (this.withDatabase) checks.unshift(() => this.db.pingCheck('database', { timeout: 3_000 }));
    return this.health.check(checks);
  }
}
