import { describe, expect, it } from 'vitest';
import { isIdempotent, isUnavailableStatus, mayRetry } from './retry-policy.js';

describe('retry policy', () => {
  it('knows the idempotent methods', () => {
    for (const m of ['GET', 'head', 'PUT', 'DELETE']) expect(isIdempotent(m)).toBe(true);
    for (const m of ['POST', 'PATCH']) expect(isIdempotent(m)).toBe(false);
  });

  it('retries anything that was never sent', () => {
    expect(mayRetry('POST', { kind: 'not-sent' }, 0)).toBe(true);
    expect(mayRetry('POST', { kind: 'not-sent' }, 5)).toBe(true);
  });

  it('never retries a POST or PATCH after it was sent', () => {
    expect(mayRetry('POST', { kind: 'sent' }, 0)).toBe(false);
    expect(mayRetry('PATCH', { kind: 'unavailable', status: 503 }, 0)).toBe(false);
  });

  it('retries an idempotent request once after it was sent', () => {
    expect(mayRetry('GET', { kind: 'sent' }, 0)).toBe(true);
    expect(mayRetry('PUT', { kind: 'unavailable', status: 503 }, 0)).toBe(true);
    expect(mayRetry('GET', { kind: 'sent' }, 1)).toBe(false);
  });

  it('treats 502/503/504 as an instance that cannot serve', () => {
    expect([500, 502, 503, 504, 412].map(isUnavailableStatus)).toEqual([false, true, true, true, false]);
  });
});
