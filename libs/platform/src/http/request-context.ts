/** The current request's id, for log lines written deep inside a call. */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id to use: the caller's `x-request-id` when it is a plain token (it ends up in logs,
 * so nothing else is trusted), else a new UUID. Shared by the services and the gateway.
 */
export function acceptRequestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && VALID_ID.test(given) ? given : randomUUID();
}
