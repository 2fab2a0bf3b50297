/**
 * Errors raised by the ZAB core. `NotLeaderError` is an ordinary outcome the host handles
 * (forward, or tell the client to retry); `ZabInvariantError` means a protocol guarantee was
 * broken and the member must stop rather than corrupt its history.
 */
import { ErrorCode } from '../protocol/constants.js';
import { CoordinationError } from '../protocol/errors.js';

/** `propose` was called on a member that is not an established leader. */
export class NotLeaderError extends CoordinationError {
  constructor(readonly leaderId: number | undefined) {
    super(ErrorCode.CONNECTIONLOSS, undefined, {
      detail: `not an established leader (leader: ${leaderId ?? 'unknown'})`,
    });
  }
}

/** A request could not be forwarded or synced because this member is not following a live leader. */
export class NoLeaderError extends CoordinationError {
  constructor() {
    super(ErrorCode.CONNECTIONLOSS, undefined, { detail: 'not connected to an established leader' });
  }
}

/** A safety check inside the core failed: continuing could lose or reorder committed txns. */
export class ZabInvariantError extends CoordinationError {
  constructor(detail: string) {
    super(ErrorCode.SYSTEMERROR, undefined, { detail });
  }
}
