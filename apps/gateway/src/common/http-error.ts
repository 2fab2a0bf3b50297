/** The platform's JSON error shape `{statusCode, error, message}`, written straight to a response. */
import type { ServerResponse } from 'node:http';
import { httpErrorBody } from '@registrar/platform';

/** Sends the JSON error unless headers already went out (then the connection is cut instead). */
export function sendError(res: ServerResponse, statusCode: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(httpErrorBody(statusCode, message));
  res.writeHead(statusCode, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
