/**
 * Why a seat op did not take effect. All are 503 + retryable: nothing was written, and asking
 * again (the next holder of the lock, a fresh session) can succeed.
 */
import { NotFoundError, ServiceUnavailableError } from '../errors/domain-errors.js';

/**
 * The database refused our fencing token: a later holder of the pool's lock has written since we
 * acquired it, so our lock was lost (paused process, expired session) and our decision is stale.
 */
export class StaleFenceError extends ServiceUnavailableError {
  constructor(
    readonly poolId: string,
    readonly token: number,
  ) {
    super('seat write refused: this instance lost the lock for the pool (stale fencing token); retry', 1, {
      reason: 'stale-fence',
    });
  }
}

/** The pool's lock could not be acquired in time (coordinator slow or unreachable). */
export class SeatLockUnavailableError extends ServiceUnavailableError {
  constructor(
    readonly poolId: string,
    cause?: unknown,
  ) {
    super('seat allocation is temporarily unavailable (could not lock the pool); retry', 1, {
      reason: 'lock-unavailable',
    });
    if (cause !== undefined) this.cause = cause;
  }
}

/** The guarded UPDATE matched no row although the fence was ours: counters moved under us. */
export class SeatCountConflictError extends ServiceUnavailableError {
  constructor(readonly poolId: string) {
    super('seat counters changed concurrently; retry', 1, { reason: 'count-conflict' });
  }
}

/** No pool with that id. */
export class SeatPoolNotFoundError extends NotFoundError {
  constructor(readonly poolId: string) {
    super(`no seat pool ${poolId}`);
  }
}
