/**
 * Storage errors. They carry ZooKeeper's KeeperException code so the server can map them the same
 * way as other library errors. (They extend Error directly: protocol/errors.ts, home of
 * CoordinationError, did not exist when this layer was written; re-parent them there later.)
 */
import { ErrorCode } from '../protocol/constants.js';

/** Base class of every error thrown by the storage layer. */
export class StorageError extends Error {
  constructor(
    message: string,
    /** ZooKeeper KeeperException code. */
    readonly code: number = ErrorCode.SYSTEMERROR,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * On-disk data is damaged in a place a crash cannot explain (e.g. a bad entry followed by good
 * ones, or a bad older segment). The member must not start: replaying around the damage could
 * silently lose or invent committed transactions.
 */
export class DataCorruptionError extends StorageError {
  constructor(
    message: string,
    readonly file?: string,
    readonly offset?: number,
  ) {
    super(message, ErrorCode.DATAINCONSISTENCY);
  }
}

/** An append broke the strictly-increasing zxid rule. */
export class ZxidOrderError extends StorageError {
  constructor(
    readonly zxid: number,
    readonly lastZxid: number,
  ) {
    super(
      `zxid 0x${zxid.toString(16)} is not greater than last zxid 0x${lastZxid.toString(16)}`,
      ErrorCode.BADARGUMENTS,
    );
  }
}

/**
 * The log can no longer be written: it was closed, or an earlier write/fsync failed. After a failed
 * fsync the kernel may have dropped the dirty pages, so retrying would risk acknowledging data that
 * is not on disk; the process must restart and recover from what is really durable.
 */
export class LogUnavailableError extends StorageError {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message, ErrorCode.SYSTEMERROR);
  }
}
