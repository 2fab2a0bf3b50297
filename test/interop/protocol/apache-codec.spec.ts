/**
 * The running Apache ZooKeeper 3.8 server is the spec. This drives the Debian `zookeeper` jar
 * (127.0.0.1 only, admin server off) with frames from encodeRequest, decodes each reply with our
 * decoders, and requires that encodeReply/encodeNotification of the decoded value reproduces
 * ZooKeeper's bytes exactly. Skipped when Java or the jar is missing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeConnectResponse,
  encodeConnectRequest,
} from '../../../libs/coordination/src/protocol/connect-codec.js';
import { ErrorCode, OpCode } from '../../../libs/coordination/src/protocol/constants.js';
import { MarshallingError, UnimplementedError } from '../../../libs/coordination/src/protocol/errors.js';
import { FrameDecoder, encodeFrame } from '../../../libs/coordination/src/protocol/frame-decoder.js';
import { JuteReader } from '../../../libs/coordination/src/protocol/jute-reader.js';
import { JuteWriter } from '../../../libs/coordination/src/protocol/jute-writer.js';
import {
  readReplyHeader,
  readWatcherEvent,
  writeMultiHeader,
} from '../../../libs/coordination/src/protocol/record-codec.js';
import type {
  ConnectRequest,
  ReplyHeader,
  Request,
  Response,
} from '../../../libs/coordination/src/protocol/records.js';
import { decodeRequest, encodeRequest } from '../../../libs/coordination/src/protocol/request-codec.js';
import {
  decodeReplyBody,
  encodeNotification,
  encodeReply,
  multiCreateResultOp,
} from '../../../libs/coordination/src/protocol/response-codec.js';

const JAR = '/usr/share/java/zookeeper.jar';
const LOGGER = '/usr/share/java/slf4j-nop.jar';
const available = fs.existsSync(JAR) && spawnSync('java', ['-version']).status === 0;
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const EMPTY = Buffer.alloc(0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One TCP connection with a frame queue. */
class Conn {
  private readonly frames: Buffer[] = [];
  private wake: (() => void) | undefined;
  closed = false;
  private constructor(readonly socket: net.Socket) {
    const decoder = new FrameDecoder();
    socket.on('data', (c) => {
      this.frames.push(...decoder.push(c));
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }
  static open(port: number): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }
  async next(): Promise<Buffer | undefined> {
    while (this.frames.length === 0 && !this.closed) await new Promise<void>((r) => (this.wake = r));
    return this.frames.shift();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** ruok answers before the server is serving; srvr reports "Mode:" only once it is. */
function isServing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    const s = net.connect(port, '127.0.0.1', () => s.write('srvr'));
    s.on('data', (d) => (text += d.toString()));
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(text.includes('Mode:')));
  });
}

const newSession = (readOnly: boolean | undefined): ConnectRequest => ({
  protocolVersion: 0,
  lastZxidSeen: 0,
  timeOut: 30000,
  sessionId: 0n,
  passwd: Buffer.alloc(16),
  readOnly,
});

describe.skipIf(!available)('against Apache ZooKeeper 3.8 (the running server is the spec)', () => {
  let zk: ChildProcess | undefined;
  let dir = '';
  let port = 0;
  let conn: Conn;
  let xid = 1;

  beforeAll(async () => {
    port = await freePort();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'registrar-protocol-zk-'));
    const cfg = path.join(dir, 'zoo.cfg');
    fs.writeFileSync(
      cfg,
      [
        'tickTime=2000',
        `dataDir=${dir}/data`,
        `clientPort=${port}`,
        'clientPortAddress=127.0.0.1',
        'admin.enableServer=false',
        '4lw.commands.whitelist=srvr',
      ].join('\n'),
    );
    zk = spawn(
      'java',
      [
        '-Dzookeeper.extendedTypesEnabled=true',
        '-cp',
        `${JAR}:${LOGGER}`,
        'org.apache.zookeeper.server.ZooKeeperServerMain',
        cfg,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; ; i++) {
      if (await isServing(port)) break;
      if (i > 300) throw new Error('ZooKeeper did not start');
      await sleep(100);
    }
    conn = await Conn.open(port);
    conn.socket.write(encodeFrame(encodeConnectRequest(newSession(false))));
    const res = decodeConnectResponse((await conn.next())!);
    expect(res.timeOut).toBe(30000);
  }, 60_000);

  afterAll(() => {
    conn?.socket.destroy();
    if (zk?.pid) process.kill(zk.pid, 'SIGKILL');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a request; returns the reply (notifications before it are checked and skipped). */
  async function call(req: Request): Promise<{ header: ReplyHeader; response?: Response; frame: Buffer }> {
    conn.socket.write(encodeRequest(xid++, req));
    for (;;) {
      const frame = await conn.next();
      if (!frame) throw new Error(`connection closed after ${req.op}`);
      const r = new JuteReader(frame);
      const header = readReplyHeader(r);
      if (header.xid === -1) {
        expect(encodeNotification(readWatcherEvent(r), header.zxid).subarray(4)).toEqual(frame);
        continue;
      }
      const response = header.err === 0 ? decodeReplyBody(req.op, r) : undefined;
      expect(r.remaining, `${req.op} reply fully consumed`).toBe(0);
      // Our encoder must reproduce ZooKeeper's bytes for the value we decoded.
      expect(encodeReply(header, response).subarray(4), `${req.op} re-encoded`).toEqual(frame);
      return { header, response, frame };
    }
  }

  it('answers the readOnly byte only to clients that send it (37 vs 36 bytes)', async () => {
    for (const [readOnly, length] of [
      [false, 37],
      [undefined, 36],
    ] as const) {
      const c = await Conn.open(port);
      c.socket.write(encodeFrame(encodeConnectRequest(newSession(readOnly))));
      const frame = (await c.next())!;
      expect(frame.length).toBe(length);
      expect(decodeConnectResponse(frame).readOnly).toBe(readOnly);
      c.socket.destroy();
    }
  });

  it('every reply shape decodes completely and re-encodes to the same bytes', async () => {
    const ops: [Request, number][] = [
      [{ op: 'create', path: '/a', data: Buffer.from('x'), acl: OPEN, flags: 0 }, 0],
      [{ op: 'create2', path: '/a/s-', data: EMPTY, acl: OPEN, flags: 2 }, 0],
      [{ op: 'createContainer', path: '/c', data: EMPTY, acl: OPEN, flags: 4 }, 0],
      [{ op: 'createTTL', path: '/t', data: EMPTY, acl: OPEN, flags: 5, ttl: 100_000 }, 0],
      [
        { op: 'createTTL', path: '/t2', data: EMPTY, acl: OPEN, flags: 0, ttl: 100_000 },
        ErrorCode.BADARGUMENTS,
      ],
      [{ op: 'create', path: '/a', data: EMPTY, acl: OPEN, flags: 0 }, ErrorCode.NODEEXISTS],
      [{ op: 'getData', path: '/a', watch: true }, 0],
      [{ op: 'exists', path: '/nope', watch: true }, ErrorCode.NONODE],
      [{ op: 'getChildren', path: '/a', watch: false }, 0],
      [{ op: 'getChildren2', path: '/', watch: false }, 0],
      [{ op: 'setData', path: '/a', data: Buffer.from('y'), version: 0 }, 0],
      [{ op: 'getACL', path: '/a' }, 0],
      [{ op: 'setACL', path: '/a', acl: OPEN, version: 0 }, 0],
      [{ op: 'exists', path: '/t', watch: false }, 0],
      [{ op: 'sync', path: '/a' }, 0],
      [{ op: 'getAllChildrenNumber', path: '/' }, 0],
      [{ op: 'getEphemerals', path: '/' }, 0],
      [{ op: 'addWatch', path: '/a', mode: 1 }, 0],
      [{ op: 'removeWatches', path: '/a', type: 3 }, 0],
      [{ op: 'checkWatches', path: '/zzz', type: 2 }, ErrorCode.NOWATCHER],
      [{ op: 'whoAmI' }, 0],
      [
        {
          op: 'setWatches2',
          relativeZxid: 0,
          dataWatches: ['/a'],
          existWatches: [],
          childWatches: [],
          persistentWatches: ['/c'],
          persistentRecursiveWatches: [],
        },
        0,
      ],
      [
        {
          op: 'multiRead',
          ops: [
            { op: 'getData', path: '/a', watch: false },
            { op: 'getChildren', path: '/nope', watch: false },
            { op: 'getChildren', path: '/a', watch: false },
          ],
        },
        0,
      ],
      [{ op: 'multi', ops: [] }, 0],
      [
        { op: 'reconfig', joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1 },
        ErrorCode.RECONFIGDISABLED,
      ],
      [{ op: 'delete', path: '/a', version: 5 }, ErrorCode.BADVERSION],
      [{ op: 'delete', path: '/a', version: -1 }, ErrorCode.NOTEMPTY],
      [{ op: 'ping' }, 0],
    ];
    for (const [req, err] of ops) {
      const { header, response } = await call(req);
      expect(header.err, req.op).toBe(err);
      if (req.op === 'addWatch') expect(response).toEqual({ op: 'addWatch' });
    }
  }, 30_000);

  it('a failed multi has header err 0 and results [0, code, -2]', async () => {
    const { header, response, frame } = await call({
      op: 'multi',
      ops: [
        { op: 'create', path: '/f1', data: EMPTY, acl: OPEN, flags: 0 },
        { op: 'delete', path: '/nope', version: -1 },
        { op: 'setData', path: '/a', data: EMPTY, version: -1 },
      ],
    });
    expect(header.err).toBe(0);
    expect(frame.length).toBe(16 + 3 * (9 + 4) + 9);
    expect(response).toEqual({
      op: 'multi',
      results: [
        { op: 'error', err: 0 },
        { op: 'error', err: ErrorCode.NONODE },
        { op: 'error', err: ErrorCode.RUNTIMEINCONSISTENCY },
      ],
    });
  });

  it('answers creates inside multi by their flags, as multiCreateResultOp says', async () => {
    const subs = [
      { op: 'create2', path: '/x1', data: EMPTY, acl: OPEN, flags: 0 },
      { op: 'createTTL', path: '/x2', data: EMPTY, acl: OPEN, flags: 5, ttl: 10_000 },
      { op: 'createContainer', path: '/x3', data: EMPTY, acl: OPEN, flags: 4 },
      { op: 'create', path: '/x4', data: EMPTY, acl: OPEN, flags: 4 },
      { op: 'create', path: '/x5', data: EMPTY, acl: OPEN, flags: 2 },
    ] as const;
    const { response } = await call({ op: 'multi', ops: [...subs] });
    const results = (response as { results: { op: string }[] }).results;
    expect(results.map((r) => r.op)).toEqual(subs.map((s) => multiCreateResultOp(s.flags)));
    expect(results.map((r) => r.op)).toEqual(['create', 'create2', 'create2', 'create2', 'create']);
  });

  it('a multi mixing a read into writes gets MARSHALLINGERROR, as decodeRequest says', async () => {
    const w = new JuteWriter().int(xid++).int(OpCode.multi);
    writeMultiHeader(w, { type: OpCode.getData, done: false, err: -1 });
    w.ustring('/a').bool(false);
    writeMultiHeader(w, { type: -1, done: true, err: -1 });
    expect(() => decodeRequest(w.toBuffer())).toThrow(MarshallingError);
    conn.socket.write(w.toFrame());
    const header = readReplyHeader(new JuteReader((await conn.next())!));
    expect(header.err).toBe(ErrorCode.MARSHALLINGERROR);
  });

  it('an unknown opcode gets UNIMPLEMENTED (zxid -1), then the connection closes', async () => {
    const w = new JuteWriter().int(xid++).int(9999).ustring('/a');
    expect(() => decodeRequest(w.toBuffer())).toThrow(UnimplementedError);
    conn.socket.write(w.toFrame());
    const frame = (await conn.next())!;
    expect(frame).toEqual(encodeReply({ xid: xid - 1, zxid: -1, err: ErrorCode.UNIMPLEMENTED }).subarray(4));
    expect(await conn.next()).toBeUndefined();
    expect(conn.closed).toBe(true);
  });
});
