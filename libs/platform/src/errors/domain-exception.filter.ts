/**
 * The one exception filter: domain errors, Nest HTTP exceptions (validation, 404 routes) and
 * coordinator failures all leave as `{statusCode, error, message}`. Coordinator connection loss
 * and session expiry mean "did not happen, try again" (503); anything unexpected is a 500 whose
 * detail stays in the log, not in the answer.
 */
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import {
  ConnectionLossError,
  OperationTimeoutError,
  SessionExpiredError,
  SessionMovedError,
} from '@registrar/coordination';
import type { Request, Response } from 'express';
import { DomainError } from './domain-errors.js';
import { httpErrorBody, type HttpErrorBody } from './http-error-body.js';

interface Mapped {
  status: number;
  body: HttpErrorBody;
  headers: Record<string, string>;
}

function fromHttpException(err: HttpException): Mapped {
  const status = err.getStatus();
  const res = err.getResponse();
  let message: string = err.message;
  let extra: Record<string, unknown> = {};
  if (typeof res === 'object' && res !== null) {
    const r = res as Record<string, unknown>;
    const m = r['message'];
    // ValidationPipe answers a list of constraint messages; keep them all, readable in one line.
    if (Array.isArray(m)) {
      message = m.map(String).join('; ');
      extra = { details: m };
    } else if (typeof m === 'string') {
      message = m;
    }
  } else if (typeof res === 'string') {
    message = res;
  }
  // Nest hands body-parser's JSON SyntaxError on as a 400 with the parser's bare message
  // ("Expected property name or '}' in JSON at position 1"): say what was malformed.
  if (status === 400 && err.cause instanceof SyntaxError) message = `malformed JSON body: ${message}`;
  return { status, body: httpErrorBody(status, message, extra), headers: {} };
}

/** Maps any thrown value to the HTTP answer; exported for the gateway and tests. */
export function mapError(err: unknown): Mapped {
  if (err instanceof DomainError) {
    return {
      status: err.status,
      body: httpErrorBody(err.status, err.message, err.extra),
      headers: err.headers,
    };
  }
  if (err instanceof HttpException) return fromHttpException(err);
  if (
    err instanceof ConnectionLossError ||
    err instanceof SessionExpiredError ||
    err instanceof SessionMovedError ||
    err instanceof OperationTimeoutError
  ) {
    return {
      status: 503,
      body: httpErrorBody(
        503,
        `coordinator unavailable (${err.message}); the request did not take effect, retry`,
        {
          retryable: true,
        },
      ),
      headers: { 'Retry-After': '1' },
    };
  }
  // body-parser's errors carry a status (bad JSON 400, too large 413).
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = status === 400 ? 'malformed JSON body' : String((err as Error).message ?? 'bad request');
    return { status, body: httpErrorBody(status, message), headers: {} };
  }
  return { status: 500, body: httpErrorBody(500, 'internal error'), headers: {} };
}

@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(err: unknown, host: ArgumentsHost): Observable<never> | void {
    const mapped = mapError(err);
    // An RPC caller gets the same body as its error (ClientProxy rejects with it).
    if (host.getType() === 'rpc') return throwError(() => mapped.body);
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    if (mapped.status >= 500) {
      this.logger.error(
        `${req.method} ${req.originalUrl} -> ${mapped.status}: ${(err as Error)?.stack ?? String(err)}`,
      );
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(mapped.headers)) res.setHeader(k, v);
    res.status(mapped.status).json(mapped.body);
  }
}
