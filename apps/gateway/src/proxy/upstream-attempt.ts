/**
 * One attempt to send a request to one instance. It resolves with the instance's answer (headers
 * received, body not yet read) or with how it failed, distinguishing "never sent" (refused,
 * connect timeout) from "sent, then broken", because only the first is safe to repeat for a POST.
 */
import {
  request,
  Agent,
  type IncomingMessage,
  type ClientRequest,
  type OutgoingHttpHeaders,
} from 'node:http';
import type { AttemptFailure } from './retry-policy.js';

export interface AttemptInput {
  host: string;
  port: number;
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
  connectTimeoutMs: number;
  /** Bound on the wait for the response headers (not on a streamed body). */
  headersTimeoutMs: number;
  agent: Agent;
}

export type AttemptResult =
  | { ok: true; response: IncomingMessage; request: ClientRequest }
  | { ok: false; failure: AttemptFailure; error: string };

export function attemptUpstream(input: AttemptInput, signal: AbortSignal): Promise<AttemptResult> {
  return new Promise((resolve) => {
    let sent = false;
    let settled = false;
    const settle = (r: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(headersTimer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = request({
      host: input.host,
      port: input.port,
      method: input.method,
      path: input.path,
      headers: input.headers,
      agent: input.agent,
    });
    const fail = (error: string) => {
      req.destroy();
      settle({ ok: false, failure: { kind: sent ? 'sent' : 'not-sent' }, error });
    };
    const connectTimer = setTimeout(() => {
      if (!sent) fail(`connect timeout after ${input.connectTimeoutMs} ms`);
    }, input.connectTimeoutMs);
    let headersTimer: NodeJS.Timeout | undefined;
    const onSent = () => {
      sent = true;
      clearTimeout(connectTimer);
      headersTimer = setTimeout(
        () => fail(`no answer within ${input.headersTimeoutMs} ms`),
        input.headersTimeoutMs,
      );
    };
    req.once('socket', (socket) => {
      // A pooled keep-alive socket is already connected: the request goes out on it at once.
      if (socket.connecting) socket.once('connect', onSent);
      else onSent();
    });
    const onAbort = () => fail('client went away');
    signal.addEventListener('abort', onAbort, { once: true });
    req.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    req.once('response', (response) => settle({ ok: true, response, request: req }));
    req.end(input.body.length > 0 ? input.body : undefined);
  });
}
