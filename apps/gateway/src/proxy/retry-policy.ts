/**
 * When a failed attempt may be tried again on another instance. A request that never reached an
 * instance (connection refused, connect timeout) can always go elsewhere. Once it was sent, only an
 * idempotent method may be repeated, and only once: a POST that was sent may have been carried out
 * (a seat taken) even though no answer came back, so repeating it could enroll a student twice.
 */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

export type AttemptFailure =
  /** The request never left the gateway (refused, unreachable, connect timeout). */
  | { kind: 'not-sent' }
  /** The connection broke or timed out after the request was written. */
  | { kind: 'sent' }
  /** The instance answered 502/503/504: it could not serve it (shutting down, lost its session). */
  | { kind: 'unavailable'; status: number };

/** Upstream answers that mean "this instance cannot serve now, another may". */
export function isUnavailableStatus(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/**
 * Whether to try another instance after `failure`, given how many retries after sending were used.
 * @example mayRetry('POST', { kind: 'not-sent' }, 0) // true
 * @example mayRetry('POST', { kind: 'sent' }, 0) // false
 */
export function mayRetry(method: string, failure: AttemptFailure, retriesAfterSend: number): boolean {
  if (failure.kind === 'not-sent') return true;
  return isIdempotent(method) && retriesAfterSend < 1;
}
