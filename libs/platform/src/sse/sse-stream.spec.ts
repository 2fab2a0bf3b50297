import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { lastEventId, SseStream } from './sse-stream.js';

let server: http.Server | undefined;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** Serves one SSE route whose handler is `onStream`; returns the raw text a client reads. */
async function serve(onStream: (s: SseStream, req: express.Request) => void): Promise<string> {
  const app = express();
  app.get('/events', (req, res) => onStream(new SseStream(req, res, { heartbeatMs: 0, retryMs: 500 }), req));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server!.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

function read(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

describe('SseStream', () => {
  it('writes event-stream headers, retry, id/event/data frames (one data line per line) and comments', async () => {
    const url = await serve((s) => {
      s.send({ id: '42', data: { a: 1 } });
      s.send({ event: 'notification', data: 'line one\nline two' });
      s.comment('heartbeat');
      s.close();
    });
    const { headers, body } = await read(url);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache, no-transform');
    expect(body).toBe(
      'retry: 500\n\nid: 42\ndata: {"a":1}\n\nevent: notification\ndata: line one\ndata: line two\n\n: heartbeat\n\n',
    );
  });

  it('cannot be tricked into a second field by newlines in ids or event names', async () => {
    const url = await serve((s) => {
      s.send({ id: '1\ndata: injected', event: 'x\r\nid: 9', data: 'ok' });
      s.close();
    });
    const { body } = await read(url);
    expect(body).toBe('retry: 500\n\nid: 1data: injected\nevent: xid: 9\ndata: ok\n\n');
  });

  it('runs its closers once when the client goes away, and sends nothing after', async () => {
    let closed = 0;
    let stream: SseStream | undefined;
    const url = await serve((s) => {
      stream = s;
      s.onClose(() => closed++);
      s.send({ data: 'hello' });
    });
    await new Promise<void>((resolve) => {
      const req = http.get(url, (res) => res.once('data', () => req.destroy()));
      req.on('close', () => resolve());
    });
    for (let i = 0; i < 50 && closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(1);
    expect(stream!.send({ data: 'late' })).toBe(false);
    stream!.close();
    expect(closed).toBe(1);
  });

  it('reads Last-Event-ID from the header or the lastEventId query', async () => {
    const seen: (string | undefined)[] = [];
    const url = await serve((s, req) => {
      seen.push(lastEventId(req));
      s.close();
    });
    await read(url, { 'Last-Event-ID': ' 77 ' });
    await read(`${url}?lastEventId=88`);
    await read(url);
    expect(seen).toEqual(['77', '88', undefined]);
  });
});
