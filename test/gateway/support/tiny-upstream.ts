/**
 * A tiny real service instance for gateway tests: an HTTP server that registers itself in the
 * service registry like the real services do, so the gateway discovers, routes to and loses it
 * the same way. Run as its own process (`node --import tsx`) so a test can SIGKILL it.
 *
 * Env: CONNECT (connect string), ROOT (platform root znode), NAME (service), ID, PORT.
 * Routes: GET /health; /api/... echoes {instance, method, path, body, requestId};
 * /api/courses/hang reads the request and cuts the connection without answering (counted);
 * GET /api/exams/schedule/events is an SSE stream fed by POST /__emit; GET /__stats.
 */
import { createServer, type ServerResponse } from 'node:http';
import { serviceInstance, ServiceRegistry, ZooKeeperClient } from '@registrar/coordination';

const env = (k: string): string => {
  const v = process.env[k];
  if (v === undefined || v === '') throw new Error(`${k} is required`);
  return v;
};
const connect = env('CONNECT');
const root = env('ROOT');
const name = env('NAME');
const id = env('ID');
const port = Number(env('PORT'));

const streams = new Set<ServerResponse>();
let hangs = 0;
let served = 0;

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (url.pathname === '/health') return json(200, { status: 'ok' });
    if (url.pathname === '/__stats') return json(200, { id, hangs, served, streams: streams.size });
    if (url.pathname === '/__emit' && req.method === 'POST') {
      for (const s of streams) s.write(`id: ${url.searchParams.get('id') ?? ''}\ndata: ${body}\n\n`);
      return json(200, { delivered: streams.size });
    }
    if (url.pathname === '/api/courses/hang') {
      hangs++;
      req.socket.destroy();
      return;
    }
    if (url.pathname === '/api/exams/schedule/events' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': open\n\n');
      streams.add(res);
      res.once('close', () => streams.delete(res));
      return;
    }
    served++;
    json(req.method === 'POST' ? 201 : 200, {
      instance: id,
      method: req.method,
      path: req.url,
      body,
      requestId: req.headers['x-request-id'] ?? null,
    });
  });
});

server.listen(port, '127.0.0.1', () => {
  void (async () => {
    const client = await ZooKeeperClient.connect(connect, { sessionTimeout: 2000 });
    const registry = new ServiceRegistry({ client, basePath: `${root}/services` });
    await registry.register(
      serviceInstance({ name, id, address: '127.0.0.1', port, payload: { version: 'test' } }),
    );
    console.log(`registered ${name}/${id} on ${port}`);
    const stop = () => {
      void registry
        .close()
        .then(() => client.close())
        .finally(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
