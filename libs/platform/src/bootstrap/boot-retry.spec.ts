import { describe, expect, it } from 'vitest';
import {
  BadVersionError,
  ConnectionLossError,
  NodeExistsError,
  OperationTimeoutError,
  SessionExpiredError,
  SessionMovedError,
} from '@registrar/coordination';
import { backoffDelayMs, BOOT_BACKOFF, isTransientCoordinatorError } from './boot-retry.js';

describe('boot retry', () => {
  it('doubles from the base up to the cap, jittering the upper half', () => {
    const low = (n: number) => backoffDelayMs(n, BOOT_BACKOFF, () => 0);
    const high = (n: number) => backoffDelayMs(n, BOOT_BACKOFF, () => 1);
    expect([1, 2, 3, 4].map(high)).toEqual([100, 200, 400, 800]);
    expect([1, 2, 3, 4].map(low)).toEqual([50, 100, 200, 400]);
    expect(high(7)).toBe(5_000);
    expect(high(1_000)).toBe(5_000);
    expect(low(1_000)).toBe(2_500);
    expect(high(0)).toBe(100);
  });

  it('treats session trouble as transient and everything else as final', () => {
    for (const err of [
      new ConnectionLossError(),
      new SessionExpiredError(),
      new SessionMovedError(),
      new OperationTimeoutError(),
    ]) {
      expect(isTransientCoordinatorError(err)).toBe(true);
    }
    for (const err of [new NodeExistsError('/x'), new BadVersionError('/x'), new Error('bug'), undefined]) {
      expect(isTransientCoordinatorError(err)).toBe(false);
    }
  });
});
