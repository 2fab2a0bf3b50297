/**
 * Header rewriting for one proxied hop (RFC 9110 §7.6.1): hop-by-hop headers, and any header the
 * `Connection` header names, stay on their hop; the request gets X-Forwarded-* and the request id.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function strip(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = new Set(
    String(headers['connection'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || HOP_BY_HOP.has(k) || named.has(k)) continue;
    out[k] = v;
  }
  return out;
}

export interface ForwardContext {
  requestId: string;
  clientAddress: string | undefined;
  /** Host the browser asked for (kept as X-Forwarded-Host). */
  host: string | undefined;
  upstreamHost: string;
  bodyLength: number;
}

/** Headers for the upstream request. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  ctx: ForwardContext,
): OutgoingHttpHeaders {
  const out = strip(headers);
  delete out['content-length'];
  if (ctx.bodyLength > 0 || headers['content-length'] !== undefined) out['content-length'] = ctx.bodyLength;
  const prior = headers['x-forwarded-for'];
  const chain = [prior, ctx.clientAddress].filter((s): s is string => typeof s === 'string' && s !== '');
  if (chain.length > 0) out['x-forwarded-for'] = chain.join(', ');
  if (ctx.host !== undefined) out['x-forwarded-host'] = ctx.host;
  out['x-forwarded-proto'] = 'http';
  out['x-request-id'] = ctx.requestId;
  out['host'] = ctx.upstreamHost;
  return out;
}

/** Headers for the answer to the browser. */
export function downstreamResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return strip(headers);
}

/** True for a Server-Sent Events answer (streamed as it comes, never buffered). */
export function isEventStream(headers: IncomingHttpHeaders): boolean {
  return String(headers['content-type'] ?? '')
    .toLowerCase()
    .startsWith('text/event-stream');
}
