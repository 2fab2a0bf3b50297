/**
 * Bounded backoff for boot steps that need the coordinator (the registry registration): a member
 * that is down, an election under way or a lost quorum is a wait, not a reason to exit. The delay
 * and the transient-error test are pure; `retryTransient` runs the loop with them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  backoffDelay,
  ConnectionLossError,
  type BackoffPolicy,
  OperationTimeoutError,
  SessionExpiredError,
  SessionMovedError,
} from '@registrar/coordination';

export const BOOT_BACKOFF: BackoffPolicy = { baseMs: 100, maxMs: 5_000 };

/** Errors after which the same coordinator request may succeed later (session trouble, not a bug). */
export function isTransientCoordinatorError(err: unknown): boolean {
  return (
    err instanceof ConnectionLossError ||
    err instanceof SessionExpiredError ||
    err instanceof SessionMovedError ||
    err instanceof OperationTimeoutError
  );
}

export interface RetryOptions {
  /** Aborted on shutdown: the loop then stops waiting and resolves to undefined. */
  signal: AbortSignal;
  /** Which failures are worth another attempt (default: session trouble). */
  isTransient?: (err: unknown) => boolean;
  /** Told about each failure that will be retried, and the delay before the next attempt. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  policy?: BackoffPolicy;
  random?: () => number;
}

/**
 * Runs `step` until it succeeds, waiting a backoff delay after each transient failure.
 * @returns what `step` returned, or undefined when `signal` was aborted first
 * @throws the first failure that is not transient
 */
export async function retryTransient<T>(step: () => Promise<T>, opts: RetryOptions): Promise<T | undefined> {
  const transient = opts.isTransient ?? isTransientCoordinatorError;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal.aborted) return undefined;
    try {
      return await step();
    } catch (err) {
      if (opts.signal.aborted) return undefined;
      if (!transient(err)) throw err;
      const delay = backoffDelay(attempt - 1, opts.policy ?? BOOT_BACKOFF, opts.random ?? Math.random);
      opts.onRetry?.(err, attempt, delay);
      // Resolves early (rejecting with AbortError, ignored) once the signal aborts: shutdown does not wait.
      await sleep(delay, undefined, { signal: opts.signal }).catch(() => undefined);
    }
  }
}
