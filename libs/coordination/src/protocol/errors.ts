/**
 * Typed errors carrying ZooKeeper's KeeperException codes. The same classes are thrown by the
 * server-side layers (tree, session) and by our client when a reply header carries `err != 0`,
 * so `err.code` is always the number that travels on the wire.
 */
import { ErrorCode, errorCodeName } from './constants.js';

/** Extra context for a {@link CoordinationError}. */
export interface CoordinationErrorOptions {
  /** xid of the request this error answers (set by request decoding so the server can reply). */
  xid?: number;
  /** free-form detail appended to the message, e.g. why a frame did not decode. */
  detail?: string;
  cause?: unknown;
}

// Texts of KeeperException.getCodeMessage as printed by ZooKeeper 3.8.0 (checked against the jar),
// so log lines and client-visible messages read the same as ZooKeeper's.
const CODE_MESSAGES: Record<number, string> = {
  [ErrorCode.OK]: 'ok',
  [ErrorCode.SYSTEMERROR]: 'SystemError',
  [ErrorCode.RUNTIMEINCONSISTENCY]: 'RuntimeInconsistency',
  [ErrorCode.DATAINCONSISTENCY]: 'DataInconsistency',
  [ErrorCode.CONNECTIONLOSS]: 'ConnectionLoss',
  [ErrorCode.MARSHALLINGERROR]: 'MarshallingError',
  [ErrorCode.UNIMPLEMENTED]: 'Unimplemented',
  [ErrorCode.OPERATIONTIMEOUT]: 'OperationTimeout',
  [ErrorCode.BADARGUMENTS]: 'BadArguments',
  [ErrorCode.NEWCONFIGNOQUORUM]: 'NewConfigNoQuorum',
  [ErrorCode.RECONFIGINPROGRESS]: 'ReconfigInProgress',
  [ErrorCode.UNKNOWNSESSION]: 'Unknown session',
  [ErrorCode.APIERROR]: 'APIError',
  [ErrorCode.NONODE]: 'NoNode',
  [ErrorCode.NOAUTH]: 'NoAuth',
  [ErrorCode.BADVERSION]: 'BadVersion',
  [ErrorCode.NOCHILDRENFOREPHEMERALS]: 'NoChildrenForEphemerals',
  [ErrorCode.NODEEXISTS]: 'NodeExists',
  [ErrorCode.NOTEMPTY]: 'Directory not empty',
  [ErrorCode.SESSIONEXPIRED]: 'Session expired',
  [ErrorCode.INVALIDCALLBACK]: 'Invalid callback',
  [ErrorCode.INVALIDACL]: 'InvalidACL',
  [ErrorCode.AUTHFAILED]: 'AuthFailed',
  [ErrorCode.SESSIONMOVED]: 'Session moved',
  [ErrorCode.NOTREADONLY]: 'Not a read-only call',
  [ErrorCode.EPHEMERALONLOCALSESSION]: 'Ephemeral node on local session',
  [ErrorCode.NOWATCHER]: 'No such watcher',
  // ZooKeeper 3.8 has no text for this code and prints "Unknown error REQUESTTIMEOUT"; we use a readable one.
  [ErrorCode.REQUESTTIMEOUT]: 'Request timeout',
  [ErrorCode.RECONFIGDISABLED]: 'Reconfig is disabled',
  [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH]: 'Session closed because client failed to authenticate',
  [ErrorCode.QUOTAEXCEEDED]: 'Quota has exceeded',
  [ErrorCode.THROTTLEDOP]: 'Op throttled due to high load',
};

/** ZooKeeper's text for an error code ("NoNode"), or "Unknown error <NAME>". */
export function errorCodeMessage(code: number): string {
  return CODE_MESSAGES[code] ?? `Unknown error ${errorCodeName(code)}`;
}

/**
 * Base of every library error. `code` is ZooKeeper's KeeperException code.
 * @example
 *   throw new NoNodeError('/a'); // message "KeeperErrorCode = NoNode for /a", code -101
 */
export class CoordinationError extends Error {
  readonly code: number;
  readonly path?: string;
  readonly xid?: number;

  constructor(code: number, path?: string, options: CoordinationErrorOptions = {}) {
    let message = `KeeperErrorCode = ${errorCodeMessage(code)}`;
    if (path !== undefined) message += ` for ${path}`;
    if (options.detail !== undefined) message += `: ${options.detail}`;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (path !== undefined) this.path = path;
    if (options.xid !== undefined) this.xid = options.xid;
  }
}

// One subclass per code so callers can `catch (e) { if (e instanceof NoNodeError) ... }`.
// They all share the (path?, options?) constructor, which lets errorFromCode build any of them.

export class SystemError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.SYSTEMERROR, path, options);
  }
}
export class RuntimeInconsistencyError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.RUNTIMEINCONSISTENCY, path, options);
  }
}
export class DataInconsistencyError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.DATAINCONSISTENCY, path, options);
  }
}
export class ConnectionLossError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.CONNECTIONLOSS, path, options);
  }
}
/** Undecodable bytes. Request decoding sets `xid` when the RequestHeader itself was readable. */
export class MarshallingError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.MARSHALLINGERROR, path, options);
  }
}
/** Unknown opcode (request decoding sets `xid`), or a feature that is switched off (TTL). */
export class UnimplementedError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.UNIMPLEMENTED, path, options);
  }
}
export class OperationTimeoutError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.OPERATIONTIMEOUT, path, options);
  }
}
export class BadArgumentsError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.BADARGUMENTS, path, options);
  }
}
export class NewConfigNoQuorumError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NEWCONFIGNOQUORUM, path, options);
  }
}
export class ReconfigInProgressError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.RECONFIGINPROGRESS, path, options);
  }
}
export class UnknownSessionError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.UNKNOWNSESSION, path, options);
  }
}
export class ApiError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.APIERROR, path, options);
  }
}
export class NoNodeError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NONODE, path, options);
  }
}
export class NoAuthError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NOAUTH, path, options);
  }
}
export class BadVersionError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.BADVERSION, path, options);
  }
}
export class NoChildrenForEphemeralsError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NOCHILDRENFOREPHEMERALS, path, options);
  }
}
export class NodeExistsError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NODEEXISTS, path, options);
  }
}
export class NotEmptyError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NOTEMPTY, path, options);
  }
}
export class SessionExpiredError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.SESSIONEXPIRED, path, options);
  }
}
export class InvalidCallbackError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.INVALIDCALLBACK, path, options);
  }
}
export class InvalidACLError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.INVALIDACL, path, options);
  }
}
export class AuthFailedError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.AUTHFAILED, path, options);
  }
}
export class SessionMovedError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.SESSIONMOVED, path, options);
  }
}
export class NotReadOnlyError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NOTREADONLY, path, options);
  }
}
export class EphemeralOnLocalSessionError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.EPHEMERALONLOCALSESSION, path, options);
  }
}
export class NoWatcherError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.NOWATCHER, path, options);
  }
}
export class RequestTimeoutError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.REQUESTTIMEOUT, path, options);
  }
}
export class ReconfigDisabledError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.RECONFIGDISABLED, path, options);
  }
}
export class SessionClosedRequireSaslAuthError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH, path, options);
  }
}
export class QuotaExceededError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.QUOTAEXCEEDED, path, options);
  }
}
export class ThrottledOpError extends CoordinationError {
  constructor(path?: string, options?: CoordinationErrorOptions) {
    super(ErrorCode.THROTTLEDOP, path, options);
  }
}

/**
 * A frame length outside `[0, maxFrameLength]`. ZooKeeper answers this by closing the
 * connection, so the server should do the same; `length` is the offending value.
 */
export class FrameTooLargeError extends MarshallingError {
  readonly length: number;
  readonly maxFrameLength: number;
  constructor(length: number, maxFrameLength: number) {
    super(undefined, { detail: `frame length ${length} outside [0, ${maxFrameLength}]` });
    this.length = length;
    this.maxFrameLength = maxFrameLength;
  }
}

type ErrorClass = new (path?: string, options?: CoordinationErrorOptions) => CoordinationError;

const BY_CODE: ReadonlyMap<number, ErrorClass> = new Map<number, ErrorClass>([
  [ErrorCode.SYSTEMERROR, SystemError],
  [ErrorCode.RUNTIMEINCONSISTENCY, RuntimeInconsistencyError],
  [ErrorCode.DATAINCONSISTENCY, DataInconsistencyError],
  [ErrorCode.CONNECTIONLOSS, ConnectionLossError],
  [ErrorCode.MARSHALLINGERROR, MarshallingError],
  [ErrorCode.UNIMPLEMENTED, UnimplementedError],
  [ErrorCode.OPERATIONTIMEOUT, OperationTimeoutError],
  [ErrorCode.BADARGUMENTS, BadArgumentsError],
  [ErrorCode.NEWCONFIGNOQUORUM, NewConfigNoQuorumError],
  [ErrorCode.RECONFIGINPROGRESS, ReconfigInProgressError],
  [ErrorCode.UNKNOWNSESSION, UnknownSessionError],
  [ErrorCode.APIERROR, ApiError],
  [ErrorCode.NONODE, NoNodeError],
  [ErrorCode.NOAUTH, NoAuthError],
  [ErrorCode.BADVERSION, BadVersionError],
  [ErrorCode.NOCHILDRENFOREPHEMERALS, NoChildrenForEphemeralsError],
  [ErrorCode.NODEEXISTS, NodeExistsError],
  [ErrorCode.NOTEMPTY, NotEmptyError],
  [ErrorCode.SESSIONEXPIRED, SessionExpiredError],
  [ErrorCode.INVALIDCALLBACK, InvalidCallbackError],
  [ErrorCode.INVALIDACL, InvalidACLError],
  [ErrorCode.AUTHFAILED, AuthFailedError],
  [ErrorCode.SESSIONMOVED, SessionMovedError],
  [ErrorCode.NOTREADONLY, NotReadOnlyError],
  [ErrorCode.EPHEMERALONLOCALSESSION, EphemeralOnLocalSessionError],
  [ErrorCode.NOWATCHER, NoWatcherError],
  [ErrorCode.REQUESTTIMEOUT, RequestTimeoutError],
  [ErrorCode.RECONFIGDISABLED, ReconfigDisabledError],
  [ErrorCode.SESSIONCLOSEDREQUIRESASLAUTH, SessionClosedRequireSaslAuthError],
  [ErrorCode.QUOTAEXCEEDED, QuotaExceededError],
  [ErrorCode.THROTTLEDOP, ThrottledOpError],
]);

/**
 * The typed error for a wire code, e.g. from a ReplyHeader's `err`. Unknown codes give a plain
 * CoordinationError that still carries the code.
 * @example
 *   if (header.err !== 0) throw errorFromCode(header.err, path);
 */
export function errorFromCode(
  code: number,
  path?: string,
  options?: CoordinationErrorOptions,
): CoordinationError {
  const ctor = BY_CODE.get(code);
  return ctor ? new ctor(path, options) : new CoordinationError(code, path, options);
}

/** True for an error of this library (optionally: carrying exactly `code`). */
export function isCoordinationError(e: unknown, code?: number): e is CoordinationError {
  return e instanceof CoordinationError && (code === undefined || e.code === code);
}
