/**
 * What a failed `GET /health` answers. Terminus throws a bare 503 whose response is the whole check
 * result; through the platform's one error filter that left as "Service Unavailable Exception",
 * which tells an operator nothing about which dependency is down. This names the failing checks in
 * the message and keeps every check's details in the body, in the platform's error shape.
 */
import type { HealthCheckResult } from '@nestjs/terminus';
import { ServiceUnavailableError } from '../errors/domain-errors.js';

/** A Terminus result of a failed check run: `status` is not ok and `details` holds each check. */
export function isFailedHealthCheck(value: unknown): value is HealthCheckResult {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<HealthCheckResult>;
  return (
    (r.status === 'error' || r.status === 'shutting_down') &&
    typeof r.details === 'object' &&
    r.details !== null
  );
}

/** `not ready: coordinator down (DISCONNECTED)`, with `checks` holding every check's details. */
export function healthFailure(result: HealthCheckResult): ServiceUnavailableError {
  const failing = Object.entries(result.error ?? {}).map(([name, check]) => describeCheck(name, check));
  const what =
    result.status === 'shutting_down'
      ? 'shutting down'
      : failing.length > 0
        ? failing.join('; ')
        : 'a check failed';
  return new ServiceUnavailableError(`not ready: ${what}`, 1, { checks: result.details });
}

function describeCheck(name: string, check: unknown): string {
  const fields = (typeof check === 'object' && check !== null ? check : {}) as Record<string, unknown>;
  const status = typeof fields['status'] === 'string' ? fields['status'] : 'down';
  // The coordinator check reports its session state; TypeORM's ping reports the driver's message.
  const why = [fields['state'], fields['message']].find((v) => typeof v === 'string' && v !== '');
  return why === undefined ? `${name} ${status}` : `${name} ${status} (${String(why)})`;
}
