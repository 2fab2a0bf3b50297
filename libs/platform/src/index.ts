/**
 * `@registrar/platform`: what every Registrar service shares. See ../README.md.
 */
export * from './platform.module.js';
export * from './bootstrap/run-service.js';
export * from './bootstrap/instance-registration.js';
export * from './bootstrap/boot-retry.js';
export * from './config/platform-env.js';
export * from './config/platform-config.js';
export * from './config/validate-env.js';
export * from './errors/domain-errors.js';
export * from './errors/http-error-body.js';
export * from './errors/domain-exception.filter.js';
export * from './auth/auth-user.js';
export * from './auth/auth.decorators.js';
export * from './auth/auth.guard.js';
export * from './auth/jwks-document.js';
export * from './auth/jwks.service.js';
export * from './clock/clock.js';
export * from './coordination/znode-paths.js';
export * from './database/data-source-options.js';
export * from './database/portable-types.js';
export * from './database/bigint.transformer.js';
export * from './metrics/metrics.service.js';
export * from './http/request-context.js';
export * from './database/migrate.js';
export * from './seats/index.js';
export * from './sse/index.js';
export * from './database/transaction-gate.js';
export * from './database/sqlite-busy.js';
