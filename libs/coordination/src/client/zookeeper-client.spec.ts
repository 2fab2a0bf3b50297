import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeConnectRequest, encodeConnectResponse } from '../protocol/connect-codec.js';
import { ConnectionLossError, SessionExpiredError } from '../protocol/errors.js';
import { FrameDecoder, encodeFrame } from '../protocol/frame-decoder.js';
import { encodeNotification, encodeReply } from '../protocol/response-codec.js';
import { decodeRequest } from '../protocol/request-codec.js';
import type { ConnectRequest, Request, RequestHeader, Stat } from '../protocol/records.js';
import { FaultInjectingClient } from '../testing/fault-injecting-client.js';
import type { ZooKeeperClient } from './zookeeper-client.js';

const STAT: Stat = {
  czxid: 1,
  mzxid: 1,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 0,
  numChildren: 0,
  pzxid: 1,
};

interface FakeConnection {
  socket: Socket;
  connect: ConnectRequest;
  /** Requests in arrival order. */
  requests: { header: RequestHeader; request: Request }[];
  /** How many requests each TCP chunk carried (after the handshake chunk). */
  chunks: number[];
}

/**
 * A scripted fake server on 127.0.0.1: `onConnect` picks the ConnectResponse timeout (0 = expired),
 * `onRequest` answers (or not) each request.
 */
class FakeServer {
  server: Server | undefined;
  connections: FakeConnection[] = [];
  port = 0;
  onConnect: (c: FakeConnection) => number = () => 10_000;
  onRequest: (c: FakeConnection, header: RequestHeader, request: Request) => void = (c, h, r) => {
    if (r.op === 'getData')
      c.socket.write(
        encodeReply(
          { xid: h.xid, zxid: 100 + h.xid, err: 0 },
          { op: 'getData', data: Buffer.from(r.path), stat: STAT },
        ),
      );
    else if (h.xid >= 0) c.socket.write(encodeReply({ xid: h.xid, zxid: 100 + h.xid, err: 0 }));
  };

  async start(): Promise<void> {
    this.server = createServer((socket) => {
      const decoder = new FrameDecoder();
      let conn: FakeConnection | undefined;
      socket.on('error', () => undefined);
      socket.on('data', (chunk) => {
        let count = 0;
        for (const frame of decoder.push(chunk)) {
          if (conn === undefined) {
            conn = { socket, connect: decodeConnectRequest(frame), requests: [], chunks: [] };
            this.connections.push(conn);
            const timeOut = this.onConnect(conn);
            socket.write(
              encodeFrame(
                encodeConnectResponse({
                  protocolVersion: 0,
                  timeOut,
                  sessionId: timeOut > 0 ? 0x1234n : 0n,
                  passwd: Buffer.alloc(16, 7),
                  readOnly: false,
                }),
              ),
            );
            continue;
          }
          const { header, request } = decodeRequest(frame);
          conn.requests.push({ header, request });
          count++;
          this.onRequest(conn, header, request);
        }
        if (conn && count > 0) conn.chunks.push(count);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen({ host: '127.0.0.1', port: 0 }, resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('ZooKeeperClient against a scripted server', () => {
  let fake: FakeServer;
  let client: ZooKeeperClient | undefined;
  afterEach(async () => {
    await client?.close().catch(() => undefined);
    client = undefined;
    await fake?.stop();
  });

  const open = async () => {
    fake = new FakeServer();
    await fake.start();
    const c = await FaultInjectingClient.connect(`127.0.0.1:${fake.port}`, {
      sessionTimeout: 10_000,
      authInfo: [{ scheme: 'digest', auth: 'u:p' }],
    });
    client = c;
    return c;
  };

  it('gives up after initialConnectTimeout with ConnectionLoss naming the hosts it tried', async () => {
    // One host accepts and never answers the handshake, the other refuses.
    const silent = createServer((socket) => socket.resume()); // reads (and so sees the client's close), never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const err = await FaultInjectingClient.connect(`127.0.0.1:${port},127.0.0.1:1`, {
        sessionTimeout: 4_000,
        initialConnectTimeout: 400,
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionLossError);
      expect((err as Error).message).toMatch(
        /no server of 127\.0\.0\.1:(\d+),127\.0\.0\.1:(\d+) answered within 400 ms/,
      );
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
      expect((err as Error).message).toContain('127.0.0.1:1');
    } finally {
      await new Promise((r) => silent.close(r));
    }
  });

  it('handshake carries the requested timeout and a readOnly byte; the session comes from the reply', async () => {
    const c = await open();
    expect(fake.connections[0]!.connect).toMatchObject({
      timeOut: 10_000,
      sessionId: 0n,
      lastZxidSeen: 0,
      readOnly: false,
    });
    expect(c.sessionId).toBe(0x1234n);
    expect(c.sessionPassword).toEqual(Buffer.alloc(16, 7));
    expect(c.state).toBe('CONNECTED');
  });

  it('requests made in one tick leave in one write and are answered in order', async () => {
    const c = await open();
    const paths = Array.from({ length: 50 }, (_, i) => `/n${i}`);
    const results = await Promise.all(paths.map((p) => c.getData(p)));
    expect(results.map((r) => r.data.toString())).toEqual(paths);
    const conn = fake.connections[0]!;
    // The auth packet went with the handshake; the 50 reads went together in one chunk.
    expect(conn.chunks.at(-1)).toBe(50);
    const xids = conn.requests.filter((r) => r.request.op === 'getData').map((r) => r.header.xid);
    expect(xids).toEqual([...xids].sort((a, b) => a - b));
    expect(c.lastZxidSeen).toBe(100 + xids.at(-1)!);
  });

  it('a reply with the wrong xid drops the connection: pending requests get ConnectionLoss, the session resumes', async () => {
    const c = await open();
    await c.getData('/w', () => undefined); // a watch to restore
    const seenZxid = c.lastZxidSeen;
    fake.onRequest = (conn, h) => conn.socket.write(encodeReply({ xid: h.xid + 1000, zxid: 1, err: 0 }));
    const states: string[] = [];
    c.on('state', (s) => states.push(s));
    const err = await c.getData('/x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionLossError);
    expect((err as ConnectionLossError).path).toBe('/x');
    await c.waitForState('CONNECTED');
    expect(states).toEqual(['DISCONNECTED', 'CONNECTED']);
    const second = fake.connections[1]!;
    expect(second.connect).toMatchObject({ sessionId: 0x1234n, lastZxidSeen: seenZxid });
    expect(second.connect.passwd).toEqual(Buffer.alloc(16, 7));
    await until(() => second.requests.length >= 2);
    // Auth first, then SetWatches relative to the last zxid seen.
    expect(second.requests[0]!.request).toMatchObject({ op: 'auth', scheme: 'digest' });
    expect(second.requests[1]!.header.xid).toBe(-8);
    expect(second.requests[1]!.request).toMatchObject({
      op: 'setWatches',
      relativeZxid: seenZxid,
      dataWatches: ['/w'],
    });
  });

  it('a notification is delivered before the reply that follows it in the stream', async () => {
    const c = await open();
    const order: string[] = [];
    await c.getData('/n', () => order.push('event'));
    fake.onRequest = (conn, h) => {
      conn.socket.write(encodeNotification({ type: 3, state: 3, path: '/n' }));
      conn.socket.write(encodeReply({ xid: h.xid, zxid: 5, err: 0 }, { op: 'exists', stat: STAT }));
    };
    await c.exists('/other').then(() => order.push('reply'));
    expect(order).toEqual(['event', 'reply']);
  });

  it('timeOut 0 on reconnect means EXPIRED: terminal, queued requests fail with SessionExpired', async () => {
    const c = await open();
    fake.onConnect = () => 0;
    c.dropConnection();
    await c.waitForState('DISCONNECTED');
    const queued = c.getData('/q').catch((e: unknown) => e);
    await c.waitForState('EXPIRED');
    expect(await queued).toBeInstanceOf(SessionExpiredError);
    await expect(c.exists('/')).rejects.toBeInstanceOf(SessionExpiredError);
  });
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
