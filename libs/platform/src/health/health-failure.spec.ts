import { ServiceUnavailableException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { mapError } from '../errors/domain-exception.filter.js';
import { healthFailure, isFailedHealthCheck } from './health-failure.js';

const coordinatorDown = {
  state: 'DISCONNECTED',
  sessionId: '0x10000049a150002',
  server: null,
  status: 'down' as const,
};

describe('healthFailure', () => {
  it('names the failing check and its state, and keeps every check in the 503 body', () => {
    const result = {
      status: 'error' as const,
      info: { database: { status: 'up' as const } },
      error: { coordinator: coordinatorDown },
      details: { database: { status: 'up' as const }, coordinator: coordinatorDown },
    };
    const m = mapError(healthFailure(result));
    expect(m.status).toBe(503);
    expect(m.headers).toEqual({ 'Retry-After': '1' });
    expect(m.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'not ready: coordinator down (DISCONNECTED)',
      retryable: true,
      checks: result.details,
    });
  });

  it("lists every failing check, with the database driver's message", () => {
    const result = {
      status: 'error' as const,
      error: {
        database: { status: 'down' as const, message: 'timeout of 3000ms exceeded' },
        coordinator: coordinatorDown,
      },
      details: {
        database: { status: 'down' as const, message: 'timeout of 3000ms exceeded' },
        coordinator: coordinatorDown,
      },
    };
    expect(healthFailure(result).message).toBe(
      'not ready: database down (timeout of 3000ms exceeded); coordinator down (DISCONNECTED)',
    );
  });

  it('says so when the instance is shutting down', () => {
    const result = { status: 'shutting_down' as const, details: {} };
    expect(healthFailure(result).message).toBe('not ready: shutting down');
  });
});

describe('isFailedHealthCheck', () => {
  it("recognizes Terminus's failure response and nothing else", () => {
    const failed = new ServiceUnavailableException({
      status: 'error',
      details: { coordinator: coordinatorDown },
    });
    expect(isFailedHealthCheck(failed.getResponse())).toBe(true);
    expect(isFailedHealthCheck(new ServiceUnavailableException('down').getResponse())).toBe(false);
    expect(isFailedHealthCheck({ status: 'ok', details: {} })).toBe(false);
    expect(isFailedHealthCheck(null)).toBe(false);
  });
});
