/**
 * Gives every request an id: the caller's `x-request-id` when it looks sane, else a new UUID. The id
 * goes back on the answer and on to the service, so one click can be followed through the logs of
 * the gateway and the instance that served it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptRequestId } from '@registrar/platform';

export function requestIdOf(req: IncomingMessage): string {
  return acceptRequestId(req.headers['x-request-id']);
}

export function requestIdMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const id = requestIdOf(req);
  req.headers['x-request-id'] = id;
  res.setHeader('x-request-id', id);
  next();
}
