/** Errors of the config cache. Both carry ZooKeeper codes so callers can switch on `.code`. */
import { ErrorCode } from '../protocol/constants.js';
import { BadVersionError, CoordinationError } from '../protocol/errors.js';
import type { Stat } from '../protocol/records.js';

/**
 * A compare-and-set lost: the znode's version was not `expectedVersion` (BADVERSION), or a create
 * found the node already there. Extends BadVersionError so `instanceof BadVersionError` still holds.
 */
export class ConflictError extends BadVersionError {
  constructor(
    path: string,
    readonly expectedVersion: number,
    cause?: unknown,
  ) {
    super(path, { detail: `expected version ${expectedVersion}`, cause });
  }
}

/** The znode's data did not parse as JSON or the validator rejected it (BADARGUMENTS). */
export class ConfigValidationError extends CoordinationError {
  constructor(
    path: string,
    readonly stat: Stat,
    cause: unknown,
  ) {
    super(ErrorCode.BADARGUMENTS, path, {
      detail: `invalid config at version ${stat.version}: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }
}

/** `update()` gave up after `attempts` conflicting writes. */
export class UpdateRetriesExhaustedError extends CoordinationError {
  constructor(
    path: string,
    readonly attempts: number,
  ) {
    super(ErrorCode.BADVERSION, path, { detail: `gave up after ${attempts} conflicting attempts` });
  }
}
