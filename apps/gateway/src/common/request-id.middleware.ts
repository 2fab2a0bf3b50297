/**
 * Gives every request an id: the caller's `x-request-id` when it looks sane, else a new UUID. The id
 * goes back on the answer and on to the service, so one click can be followed through the logs of
 * the gateway and the instance that served it.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SANE = /^[\w.:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SANE.test(given) ? given : randomUUID();
}

export function requestIdMiddleware(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const id = requestIdOf(req);
  req.headers['x-request-id'] = id;
  res.setHeader('x-request-id', id);
  next();
}
