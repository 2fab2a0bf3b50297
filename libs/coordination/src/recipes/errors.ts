/**
 * Errors of the recipes. They extend CoordinationError like every library error, carrying the
 * ZooKeeper code closest in meaning so callers can switch on `.code` uniformly.
 */
import { ErrorCode } from '../protocol/constants.js';
import { CoordinationError, type CoordinationErrorOptions } from '../protocol/errors.js';

/** A blocking recipe call (acquire, take, wait) did not finish within its `timeoutMs`. */
export class RecipeTimeoutError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.OPERATIONTIMEOUT, path, options);
  }
}

/**
 * A held lock (lease, leadership) is gone: the session expired or was closed, or the node was
 * deleted behind our back. Whoever held it must stop acting as owner.
 */
export class LockLostError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.SESSIONEXPIRED, path, options);
  }
}
