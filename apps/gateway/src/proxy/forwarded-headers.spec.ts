import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, isEventStream, upstreamRequestHeaders } from './forwarded-headers.js';

const ctx = {
  requestId: 'req-1',
  clientAddress: '10.0.0.9',
  host: 'localhost:3000',
  upstreamHost: '127.0.0.1:3101',
  bodyLength: 12,
};

describe('forwarded headers', () => {
  it('drops hop-by-hop headers and those named by Connection', () => {
    const out = upstreamRequestHeaders(
      {
        connection: 'keep-alive, x-secret-hop',
        'keep-alive': 'timeout=5',
        'x-secret-hop': '1',
        'transfer-encoding': 'chunked',
        authorization: 'Bearer t',
        'content-type': 'application/json',
      },
      ctx,
    );
    expect(out).toEqual({
      authorization: 'Bearer t',
      'content-type': 'application/json',
      'content-length': 12,
      'x-forwarded-for': '10.0.0.9',
      'x-forwarded-host': 'localhost:3000',
      'x-forwarded-proto': 'http',
      'x-request-id': 'req-1',
      host: '127.0.0.1:3101',
    });
  });

  it('appends to an existing X-Forwarded-For chain', () => {
    const out = upstreamRequestHeaders({ 'x-forwarded-for': '1.2.3.4' }, { ...ctx, bodyLength: 0 });
    expect(out['x-forwarded-for']).toBe('1.2.3.4, 10.0.0.9');
    expect(out['content-length']).toBeUndefined();
  });

  it('keeps end-to-end response headers', () => {
    expect(
      downstreamResponseHeaders({ etag: '"3"', connection: 'close', 'content-type': 'text/event-stream' }),
    ).toEqual({ etag: '"3"', 'content-type': 'text/event-stream' });
    expect(isEventStream({ 'content-type': 'text/event-stream; charset=utf-8' })).toBe(true);
    expect(isEventStream({ 'content-type': 'application/json' })).toBe(false);
  });
});
