/**
 * The write floor: the least a Node server speaking ZooKeeper's protocol can do per request on
 * this machine, so the coordinator bench can show how far from it a real member is. It frames,
 * decodes and answers with our protocol codecs, and makes every write durable as a member does
 * (the request's bytes appended with a synchronous write, one fdatasync per group of writes that
 * arrived while the previous one ran, the reply sent after it), and nothing else: no tree, no
 * ZAB, no sessions, no watches. Every create succeeds, every read finds a 100-byte node.
 *
 * A measuring instrument for `npm run bench -- coordinator --servers ...,floor`, never a
 * coordinator: run as its own process (`node --import tsx bench/write-floor-server.ts <dataDir>`),
 * it prints `listening <port>` once it accepts connections on 127.0.0.1.
 */
import { fdatasync, openSync, writeSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import {
  decodeConnectRequest,
  encodeConnectResponse,
} from '../libs/coordination/src/protocol/connect-codec.js';
import { ErrorCode, Xid } from '../libs/coordination/src/protocol/constants.js';
import { encodeFrame, FrameDecoder } from '../libs/coordination/src/protocol/frame-decoder.js';
import type { Request, Response, Stat } from '../libs/coordination/src/protocol/records.js';
import { decodeRequest } from '../libs/coordination/src/protocol/request-codec.js';
import { encodeReply } from '../libs/coordination/src/protocol/response-codec.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: write-floor-server.ts <dataDir>');
const log = openSync(join(dataDir, 'floor.log'), 'w');

const VALUE = Buffer.alloc(100, 0x61);
let zxid = 0;
let nextSession = 1n;
/** CreateMode's sequential bit (PERSISTENT_SEQUENTIAL 2, EPHEMERAL_SEQUENTIAL 3, ..._WITH_TTL 6). */
const SEQUENTIAL_BIT = 2;

const stat = (): Stat => ({
  czxid: 1,
  mzxid: zxid,
  ctime: 0,
  mtime: 0,
  version: 0,
  cversion: 0,
  aversion: 0,
  ephemeralOwner: 0n,
  dataLength: VALUE.length,
  numChildren: 0,
  pzxid: 1,
});

/** A sequential create gets ZooKeeper's 10-digit suffix, so the reply is as long as a member's. */
function named(path: string, flags: number): string {
  return (flags & SEQUENTIAL_BIT) !== 0 ? `${path}${String(zxid).padStart(10, '0')}` : path;
}

/** The answer a member gives when the request succeeds (every request does here). */
function answer(request: Request): Response | undefined {
  switch (request.op) {
    case 'create':
      return { op: 'create', path: named(request.path, request.flags) };
    case 'create2':
      return { op: 'create2', path: named(request.path, request.flags), stat: stat() };
    case 'setData':
    case 'exists':
      return { op: request.op, stat: stat() };
    case 'getData':
      return { op: 'getData', data: VALUE, stat: stat() };
    case 'getChildren':
      return { op: 'getChildren', children: [] };
    case 'getChildren2':
      return { op: 'getChildren2', children: [], stat: stat() };
    default:
      return undefined;
  }
}

const WRITES = new Set(['create', 'create2', 'setData', 'delete', 'closeSession']);

/** Writes waiting for the next fdatasync, and whether one is running (group commit, as TxnLog). */
let waiting: { frame: Buffer; reply: () => void }[] = [];
let syncing = false;
let kicked = false;
/** Flushes and the writes they carried, shown as mntr's sync_processor_batch_size (cnt, sum). */
let flushes = 0;
let flushedWrites = 0;

function kick(): void {
  if (kicked || syncing) return;
  kicked = true;
  queueMicrotask(flush);
}

function flush(): void {
  kicked = false;
  if (syncing || waiting.length === 0) return;
  const batch = waiting;
  waiting = [];
  writeSync(log, Buffer.concat(batch.map((w) => w.frame)));
  flushes++;
  flushedWrites += batch.length;
  syncing = true;
  fdatasync(log, (err) => {
    if (err) throw err;
    syncing = false;
    for (const w of batch) w.reply();
    flush();
  });
}

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  const decoder = new FrameDecoder(1024 * 1024);
  let connected = false;
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk) => {
    // The bench's flush counter: a four-letter word, which no framed request starts with.
    if (!connected && chunk.subarray(0, 4).toString('latin1') === 'mntr') {
      socket.end(
        `zk_cnt_sync_processor_batch_size\t${flushes}\nzk_sum_sync_processor_batch_size\t${flushedWrites}\n`,
      );
      return;
    }
    for (const frame of decoder.push(chunk)) {
      if (!connected) {
        const req = decodeConnectRequest(frame);
        connected = true;
        const res = {
          protocolVersion: 0,
          timeOut: req.timeOut,
          sessionId: nextSession++,
          passwd: Buffer.alloc(16),
          readOnly: req.readOnly === undefined ? undefined : false,
        };
        socket.write(encodeFrame(encodeConnectResponse(res)));
        continue;
      }
      const { header, request } = decodeRequest(frame);
      const xid = request.op === 'ping' ? Xid.ping : header.xid;
      const reply = () => {
        if (!socket.destroyed) socket.write(encodeReply({ xid, zxid, err: ErrorCode.OK }, answer(request)));
      };
      if (!WRITES.has(request.op)) {
        reply();
        continue;
      }
      zxid++;
      waiting.push({ frame, reply });
      kick();
    }
  });
}

const server = createServer(serve);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  console.log(`listening ${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
