/** The platform's JSON error shape `{statusCode, error, message}`, written straight to a response. */
import { STATUS_CODES, type ServerResponse } from 'node:http';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/** Sends the JSON error unless headers already went out (then the connection is cut instead). */
export function sendError(res: ServerResponse, statusCode: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(statusCode, message));
  res.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
