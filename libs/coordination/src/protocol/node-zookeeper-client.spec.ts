/**
 * Cross-check against a REAL client: node-zookeeper-client 1.1.3 talks to a tiny fake server on
 * 127.0.0.1 built from this codec. We assert that what the client sends decodes into the
 * expected Request objects, and (because the client must parse our replies to make progress)
 * that our encoded replies are what it understands.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeConnectRequest, encodeConnectResponse } from './connect-codec.js';
import { ErrorCode } from './constants.js';
import { FrameDecoder, encodeFrame } from './frame-decoder.js';
import type { ConnectRequest, Request, Response, Stat } from './records.js';
import { decodeRequest } from './request-codec.js';
import { encodeReply } from './response-codec.js';

/* The package ships no types; this is the slice of its API the test uses. */
type Cb<T extends unknown[]> = (error: { code?: number } | null, ...rest: T) => void;
interface ZkTransaction {
  create(path: string, data: Buffer, acls: unknown, mode: number): ZkTransaction;
  check(path: string, version: number): ZkTransaction;
  setData(path: string, data: Buffer, version: number): ZkTransaction;
  remove(path: string, version: number): ZkTransaction;
  commit(cb: Cb<[unknown[]]>): void;
}
interface ZkClient {
  connect(): void;
  close(): void;
  once(event: 'connected' | 'disconnected', cb: () => void): void;
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(path: string, data: Buffer, acls: unknown, mode: number, cb: Cb<[string]>): void;
  getData(path: string, watcher: (() => void) | undefined, cb: Cb<[Buffer, unknown]>): void;
  exists(path: string, watcher: (() => void) | undefined, cb: Cb<[unknown]>): void;
  getChildren(path: string, cb: Cb<[string[], unknown]>): void;
  setData(path: string, data: Buffer, version: number, cb: Cb<[unknown]>): void;
  remove(path: string, version: number, cb: Cb<[]>): void;
  transaction(): ZkTransaction;
}
interface ZkModule {
  createClient(conn: string, opts: object): ZkClient;
  ACL: { OPEN_ACL_UNSAFE: unknown };
  CreateMode: { PERSISTENT: number; EPHEMERAL_SEQUENTIAL: number };
}
const zookeeper = createRequire(import.meta.url)('node-zookeeper-client') as ZkModule;

const STAT: Stat = {
  czxid: 5,
  mzxid: 6,
  ctime: 1_700_000_000_000,
  mtime: 1_700_000_000_500,
  version: 2,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: 5,
  numChildren: 0,
  pzxid: 5,
};
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

interface Captured {
  connect?: ConnectRequest;
  requests: { xid: number; request: Request }[];
}

/** Answers like a ZooKeeper server would for the few ops the test issues. */
function answer(request: Request): { err: number; response?: Response } {
  switch (request.op) {
    case 'create':
      return { err: 0, response: { op: 'create', path: request.path + '0000000007' } };
    case 'getData':
      return request.path === '/missing'
        ? { err: ErrorCode.NONODE }
        : { err: 0, response: { op: 'getData', data: Buffer.from('hello'), stat: STAT } };
    case 'exists':
    case 'setData':
      return { err: 0, response: { op: request.op, stat: STAT } };
    case 'getChildren2':
      return { err: 0, response: { op: 'getChildren2', children: ['x', 'y'], stat: STAT } };
    case 'multi':
      return {
        err: 0,
        response: {
          op: 'multi',
          results: request.ops.map((o) =>
            o.op === 'create'
              ? { op: 'create' as const, path: o.path }
              : o.op === 'setData'
                ? { op: 'setData' as const, stat: STAT }
                : { op: o.op as 'check' | 'delete' },
          ),
        },
      };
    default:
      return { err: 0, response: { op: 'empty' } };
  }
}

let server: net.Server | undefined;
let client: ZkClient | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
});

async function startFakeServer(captured: Captured): Promise<number> {
  server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      for (const payload of decoder.push(chunk)) {
        if (!captured.connect) {
          captured.connect = decodeConnectRequest(payload);
          const res = encodeConnectResponse({
            protocolVersion: 0,
            timeOut: captured.connect.timeOut,
            sessionId: 0x0100_0000_0000_002an,
            passwd: Buffer.alloc(16, 9),
            readOnly: captured.connect.readOnly,
          });
          socket.write(encodeFrame(res));
          continue;
        }
        const { header, request } = decodeRequest(payload);
        if (request.op !== 'ping') captured.requests.push({ xid: header.xid, request });
        const { err, response } = answer(request);
        socket.write(encodeReply({ xid: header.xid, zxid: 0x1_0000_0009, err }, response));
        if (request.op === 'closeSession') socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as net.AddressInfo).port;
}

function call<T extends unknown[]>(fn: (cb: Cb<T>) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((error, ...rest) => (error ? reject(error as Error) : resolve(rest))),
  );
}

describe('node-zookeeper-client 1.1.3 against our codec', () => {
  it('decodes what the real client sends, and the client accepts our replies', async () => {
    const captured: Captured = { requests: [] };
    const port = await startFakeServer(captured);
    const zk = zookeeper.createClient(`127.0.0.1:${port}`, { sessionTimeout: 30000, retries: 0 });
    client = zk;
    await new Promise<void>((resolve) => {
      zk.once('connected', resolve);
      zk.connect();
    });
    zk.addAuthInfo('digest', Buffer.from('u:p'));

    const [created] = await call<[string]>((cb) =>
      zk.create(
        '/q/n-',
        Buffer.from('v'),
        zookeeper.ACL.OPEN_ACL_UNSAFE,
        zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
        cb,
      ),
    );
    const [data] = await call<[Buffer, unknown]>((cb) => zk.getData('/a', () => {}, cb));
    const missing = await call<[Buffer, unknown]>((cb) => zk.getData('/missing', undefined, cb)).catch(
      (e) => e,
    );
    await call<[unknown]>((cb) => zk.exists('/a', undefined, cb));
    const [children] = await call<[string[], unknown]>((cb) => zk.getChildren('/', cb));
    await call<[unknown]>((cb) => zk.setData('/a', Buffer.from('new'), 2, cb));
    await call<[]>((cb) => zk.remove('/a', -1, cb));
    const [results] = await call<[unknown[]]>((cb) =>
      zk
        .transaction()
        .create('/t', Buffer.from('d'), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT)
        .check('/t', 3) // not 0: this client's `version || -1` sends 0 as -1
        .setData('/t', Buffer.from('e'), 4)
        .remove('/t', -1)
        .commit(cb),
    );

    // The client understood our replies.
    expect(created).toBe('/q/n-0000000007');
    expect(data.toString()).toBe('hello');
    expect((missing as { code?: number }).code).toBe(ErrorCode.NONODE);
    expect(children).toEqual(['x', 'y']);
    expect(results).toHaveLength(4);

    // node-zookeeper-client omits the trailing readOnly byte.
    expect(captured.connect).toEqual({
      protocolVersion: 0,
      lastZxidSeen: 0,
      timeOut: 30000,
      sessionId: 0n,
      passwd: Buffer.alloc(16),
      readOnly: undefined,
    });

    const byOp = captured.requests.map((r) => r.request);
    expect(byOp).toEqual([
      { op: 'auth', type: 0, scheme: 'digest', auth: Buffer.from('u:p') },
      { op: 'create', path: '/q/n-', data: Buffer.from('v'), acl: OPEN, flags: 3 },
      { op: 'getData', path: '/a', watch: true },
      { op: 'getData', path: '/missing', watch: false },
      { op: 'exists', path: '/a', watch: false },
      { op: 'getChildren2', path: '/', watch: false },
      { op: 'setData', path: '/a', data: Buffer.from('new'), version: 2 },
      { op: 'delete', path: '/a', version: -1 },
      {
        op: 'multi',
        ops: [
          { op: 'create', path: '/t', data: Buffer.from('d'), acl: OPEN, flags: 0 },
          { op: 'check', path: '/t', version: 3 },
          { op: 'setData', path: '/t', data: Buffer.from('e'), version: 4 },
          { op: 'delete', path: '/t', version: -1 },
        ],
      },
    ]);
    // auth travels on xid -4; ordinary xids count up from 0 in this client.
    expect(captured.requests[0]!.xid).toBe(-4);
    expect(captured.requests.slice(1).map((r) => r.xid)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
