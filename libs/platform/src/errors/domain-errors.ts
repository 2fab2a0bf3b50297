/**
 * Domain errors carry their HTTP status, so services throw what happened (`CourseFullError`
 * extends ConflictError) and one filter turns it into `{statusCode, error, message, ...extra}`.
 */
export class DomainError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra fields merged into the JSON body (e.g. `current` for a 412). */
    readonly extra: Record<string, unknown> = {},
    /** Extra response headers (e.g. `Retry-After`, `ETag`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(400, message, extra);
  }
}
export class UnauthorizedError extends DomainError {
  constructor(message = 'authentication required') {
    super(401, message, {}, { 'WWW-Authenticate': 'Bearer realm="registrar"' });
  }
}
export class ForbiddenError extends DomainError {
  constructor(message = 'forbidden', extra?: Record<string, unknown>) {
    super(403, message, extra);
  }
}
export class NotFoundError extends DomainError {
  constructor(message = 'not found', extra?: Record<string, unknown>) {
    super(404, message, extra);
  }
}
export class ConflictError extends DomainError {
  constructor(message: string, extra?: Record<string, unknown>) {
    super(409, message, extra);
  }
}
export class PreconditionFailedError extends DomainError {
  constructor(message: string, extra?: Record<string, unknown>, headers?: Record<string, string>) {
    super(412, message, extra, headers);
  }
}
export class PayloadTooLargeError extends DomainError {
  constructor(message: string) {
    super(413, message);
  }
}
export class TooManyRequestsError extends DomainError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
  }
}
/** The request did not take effect and may be retried (coordinator unavailable, fenced out, ...). */
export class ServiceUnavailableError extends DomainError {
  constructor(message: string, retryAfterSeconds = 1, extra?: Record<string, unknown>) {
    super(503, message, { retryable: true, ...extra }, { 'Retry-After': String(retryAfterSeconds) });
  }
}
