/**
 * Errors of the quorum links. They carry ZooKeeper's SYSTEMERROR code: a member that cannot bind its
 * quorum or election port, or is configured inconsistently, cannot take part in the ensemble at all.
 */
import { ErrorCode } from '../../protocol/constants.js';
import { CoordinationError } from '../../protocol/errors.js';

/** Misconfiguration or misuse of `PeerLinks` (unknown peer id, bad options). */
export class QuorumLinkError extends CoordinationError {
  constructor(detail: string, cause?: unknown) {
    super(ErrorCode.SYSTEMERROR, undefined, cause === undefined ? { detail } : { detail, cause });
  }
}

/** A quorum or election listener could not bind (typically EADDRINUSE: another process owns the port). */
export class QuorumBindError extends QuorumLinkError {
  constructor(
    readonly kind: 'quorum' | 'election',
    readonly host: string,
    readonly port: number,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`cannot listen for ${kind} connections on ${host}:${port}: ${reason}`, cause);
  }
}
