/**
 * Everything a Registrar service shares, in one import: validated configuration, the coordinator
 * session (CoordinationModule), the database (TypeORM on SQLite or PostgreSQL, migrations run at
 * boot), health and metrics endpoints, request ids and logs, the error filter and the auth guard.
 *
 * @example
 *   @Module({ imports: [
 *     PlatformModule.forRoot({ service: ServiceName.courseEnrollment, entities, migrations, env: CourseEnv }),
 *     CoursesModule,
 *   ] })
 *   export class AppModule {}
 */
import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CoordinationModule } from '@registrar/coordination-nest';
import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import { AuthGuard } from './auth/auth.guard.js';
import { JwksService } from './auth/jwks.service.js';
import { CLOCK, systemClock } from './clock/clock.js';
import { PlatformConfigModule } from './config/platform-config.provider.js';
import { PlatformConfig } from './config/platform-config.js';
import { PlatformEnv } from './config/platform-env.js';
import { validateEnv } from './config/validate-env.js';
import { ZNODE_PATHS, znodePaths } from './coordination/znode-paths.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { beginImmediately } from './database/transaction-gate.js';
import { DomainExceptionFilter } from './errors/domain-exception.filter.js';
import { DATABASE_ENABLED, HealthController } from './health/health.controller.js';
import { RequestIdMiddleware } from './http/request-id.middleware.js';
import { InstanceRegistration } from './bootstrap/instance-registration.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';

export interface PlatformModuleOptions<E extends PlatformEnv = PlatformEnv> {
  /** Service name (registry name, metrics label, default instance id prefix). */
  service: string;
  /** Environment schema; default PlatformEnv. */
  env?: new () => E;
  /** Raw environment to validate (default: the process environment). */
  environment?: Record<string, string | undefined>;
  /** The service's entities and migrations; omit both for a service without a database (the gateway). */
  entities?: MixedList<Function | string | EntitySchema>;
  migrations?: MixedList<Function | string>;
  /**
   * Install the global AuthGuard (default true). The gateway turns it off: it forwards requests
   * and the services behind it authenticate them.
   */
  authGuard?: boolean;
}

@Module({})
export class PlatformModule implements NestModule {
  static forRoot<E extends PlatformEnv>(opts: PlatformModuleOptions<E>): DynamicModule {
    let env: E | undefined;
    const configModule = ConfigModule.forRoot({
      isGlobal: true,
      ignoreEnvFile: true,
      // Validation at boot: a bad key stops the process with every problem listed.
      validate: (raw) => {
        env = validateEnv((opts.environment ?? raw) as Record<string, unknown>, opts.env);
        return { ...env };
      },
    });
    if (env === undefined)
      env = validateEnv((opts.environment ?? process.env) as Record<string, unknown>, opts.env);
    const config = new PlatformConfig<E>(opts.service, env);
    const paths = znodePaths(config.zkRoot);
    const withDatabase = opts.entities !== undefined;

    const imports = [
      configModule,
      PlatformConfigModule.of(config),
      TerminusModule,
      CoordinationModule.forRoot({
        connectString: config.connectString,
        sessionTimeout: config.sessionTimeoutMs,
        servicesPath: paths.services,
        initialConnectTimeout: 30_000,
        isGlobal: true,
      }),
    ];
    if (withDatabase) {
      imports.push(
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            dataSourceOptions({
              path: env!.DATABASE_PATH,
              url: env!.DATABASE_URL,
              entities: opts.entities ?? [],
              migrations: opts.migrations ?? [],
              migrationsTableName: `migrations_${opts.service.replace(/[^a-z0-9]/gi, '_')}`,
            }),
          // Every transaction on the shared SQLite connection starts BEGIN IMMEDIATE (transaction-gate.ts).
          dataSourceFactory: async (options) => {
            const ds = await new DataSource(options!).initialize();
            if (ds.options.type === 'sqlite') beginImmediately(ds);
            return ds;
          },
        }) as never,
      );
    }
    const providers: Provider[] = [
      { provide: ZNODE_PATHS, useValue: paths },
      { provide: CLOCK, useValue: systemClock },
      { provide: DATABASE_ENABLED, useValue: withDatabase },
      MetricsService,
      JwksService,
      InstanceRegistration,
      RequestIdMiddleware,
      { provide: APP_FILTER, useClass: DomainExceptionFilter },
    ];
    if (opts.authGuard !== false) providers.push({ provide: APP_GUARD, useClass: AuthGuard });
    return {
      module: PlatformModule,
      global: true,
      imports,
      controllers: [HealthController, MetricsController],
      providers,
      exports: [ZNODE_PATHS, CLOCK, MetricsService, JwksService, InstanceRegistration, PlatformConfigModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes('*');
  }
}
