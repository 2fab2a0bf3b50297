/**
 * Server replies: ReplyHeader + response record, and watch notifications (reference §1.3–1.6,
 * §1.11). The server encodes with encodeReply/encodeNotification; our client decodes with
 * readReplyHeader + decodeReplyBody.
 */
import { CreateFlags, OpCode } from './constants.js';
import { MarshallingError } from './errors.js';
import { JuteReader } from './jute-reader.js';
import { JuteWriter } from './jute-writer.js';
import {
  STAT_BYTES,
  readAclList,
  readMultiHeader,
  readReplyHeader,
  readStat,
  readWatcherEvent,
  writeAclList,
  writeMultiHeader,
  writeReplyHeader,
  writeStat,
  writeWatcherEvent,
} from './record-codec.js';
import type { MultiSubResult, ReplyHeader, Request, Response, WatcherEvent } from './records.js';

/**
 * Encodes a reply FRAME (length prefix + 16-byte ReplyHeader + body).
 * When `header.err !== 0` only the header is sent, because no client reads a body on error.
 * A failed multi is not an error at this level: its header err is 0 and its body carries
 * per-op error results. `{ op: 'empty' }` or no response gives the header alone.
 * @example
 *   socket.write(encodeReply({ xid, zxid, err: 0 }, { op: 'getData', data, stat }));
 */
export function encodeReply(header: ReplyHeader, response?: Response): Buffer {
  const w = new JuteWriter(header.err === 0 && response ? 16 + bodySizeHint(response) : 16);
  writeReplyHeader(w, header);
  if (header.err === 0 && response) writeResponseBody(w, response);
  return w.toFrame();
}

/**
 * Encodes a watch notification frame: ReplyHeader{xid -1, zxid, err 0} + WatcherEvent.
 * ZooKeeper 3.8 sends zxid -1 (3.9 sends the triggering zxid), hence the default.
 */
export function encodeNotification(event: WatcherEvent, zxid = -1): Buffer {
  const w = new JuteWriter(32 + event.path.length * 3);
  writeReplyHeader(w, { xid: -1, zxid, err: 0 });
  writeWatcherEvent(w, event);
  return w.toFrame();
}

/** Decodes a notification payload (frame without length prefix) back into its header and event. */
export function decodeNotification(frame: Buffer): { header: ReplyHeader; event: WatcherEvent } {
  const r = new JuteReader(frame);
  const header = readReplyHeader(r);
  return { header, event: readWatcherEvent(r) };
}

function bodySizeHint(res: Response): number {
  switch (res.op) {
    case 'getData':
      return 4 + (res.data?.length ?? 0) + STAT_BYTES;
    case 'getChildren':
    case 'getChildren2': {
      let n = 4 + STAT_BYTES;
      for (const c of res.children) n += 4 + c.length;
      return n;
    }
    case 'multi':
    case 'multiRead':
      return 64 * res.results.length + 16;
    default:
      return 128;
  }
}

// Result header type per sub-result. create echoes 1 (not 15): kazoo 2.8 and node-zookeeper-client
// only understand 1, 2, 5, 13 and -1 (reference §1.11).
const MULTI_RESULT_TYPES: Record<MultiSubResult['op'], number> = {
  create: OpCode.create,
  create2: OpCode.create2,
  delete: OpCode.delete,
  setData: OpCode.setData,
  check: OpCode.check,
  getData: OpCode.getData,
  getChildren: OpCode.getChildren,
  error: OpCode.error,
};

/**
 * Which result a create inside a multi gets, as Apache ZooKeeper 3.8.0 answers (observed against
 * the running server): it rebuilds each create from its flags, so container (4) and TTL (5, 6)
 * modes answer `create2` (type 15, path + Stat) and every other mode answers `create` (type 1,
 * path only), whatever the sub-op's own opcode (a create2 sub-op with flags 0 gets type 1).
 */
export function multiCreateResultOp(flags: number): 'create' | 'create2' {
  return flags === CreateFlags.CONTAINER ||
    flags === CreateFlags.PERSISTENT_WITH_TTL ||
    flags === CreateFlags.PERSISTENT_SEQUENTIAL_WITH_TTL
    ? 'create2'
    : 'create';
}

/** Writes a response body (no header) into `w`. */
export function writeResponseBody(w: JuteWriter, res: Response): void {
  switch (res.op) {
    case 'create':
    case 'sync':
      w.ustring(res.path);
      return;
    case 'create2':
    case 'createContainer':
    case 'createTTL':
      w.ustring(res.path);
      writeStat(w, res.stat);
      return;
    case 'exists':
    case 'setData':
    case 'setACL':
    case 'check':
      writeStat(w, res.stat);
      return;
    case 'getData':
      w.buffer(res.data);
      writeStat(w, res.stat);
      return;
    case 'getChildren':
      w.stringList(res.children);
      return;
    case 'getChildren2':
      w.stringList(res.children);
      writeStat(w, res.stat);
      return;
    case 'getACL':
      writeAclList(w, res.acl);
      writeStat(w, res.stat);
      return;
    case 'getAllChildrenNumber':
      w.int(res.totalNumber);
      return;
    case 'getEphemerals':
      w.stringList(res.ephemerals);
      return;
    case 'whoAmI':
      w.int(res.clientInfo.length);
      for (const c of res.clientInfo) {
        w.ustring(c.authScheme);
        w.ustring(c.user);
      }
      return;
    case 'multi':
    case 'multiRead':
      for (const result of res.results) writeMultiResult(w, result);
      writeMultiHeader(w, { type: -1, done: true, err: -1 });
      return;
    case 'addWatch':
      // AddWatch replies with ErrorResponse{err=0}: a 4-byte body that clients read and ignore.
      w.int(0);
      return;
    case 'empty':
      return;
  }
}

function writeMultiResult(w: JuteWriter, result: MultiSubResult): void {
  const type = MULTI_RESULT_TYPES[result.op];
  writeMultiHeader(w, { type, done: false, err: result.op === 'error' ? result.err : 0 });
  switch (result.op) {
    case 'create':
      w.ustring(result.path);
      return;
    case 'create2':
      w.ustring(result.path);
      writeStat(w, result.stat);
      return;
    case 'delete':
    case 'check':
      return;
    case 'setData':
      writeStat(w, result.stat);
      return;
    case 'getData':
      w.buffer(result.data);
      writeStat(w, result.stat);
      return;
    case 'getChildren':
      w.stringList(result.children);
      return;
    case 'error':
      w.int(result.err);
      return;
  }
}

/**
 * Decodes the body of a successful reply (header already read, `err === 0`) for the request
 * `op` it answers. Ops without a reply body decode as `{ op: 'empty' }`; `reconfig` answers with
 * a GetDataResponse and decodes as `{ op: 'getData', ... }`.
 * @throws MarshallingError when the bytes do not hold the expected record.
 */
export function decodeReplyBody(op: Request['op'], r: JuteReader): Response {
  switch (op) {
    case 'create':
      return { op, path: r.string() };
    case 'create2':
    case 'createContainer':
    case 'createTTL': {
      const path = r.string();
      return { op, path, stat: readStat(r) };
    }
    case 'exists':
    case 'setData':
    case 'setACL':
    case 'check':
      return { op, stat: readStat(r) };
    case 'getData':
    case 'reconfig': {
      const data = r.bytes();
      return { op: 'getData', data, stat: readStat(r) };
    }
    case 'getChildren':
      return { op, children: r.stringList() };
    case 'getChildren2': {
      const children = r.stringList();
      return { op, children, stat: readStat(r) };
    }
    case 'getACL': {
      const acl = readAclList(r);
      return { op, acl, stat: readStat(r) };
    }
    case 'sync':
      return { op, path: r.string() };
    case 'getAllChildrenNumber':
      return { op, totalNumber: r.int() };
    case 'getEphemerals':
      return { op, ephemerals: r.stringList() };
    case 'whoAmI':
      return {
        op,
        clientInfo: r.list((x) => {
          const authScheme = x.string();
          return { authScheme, user: x.string() };
        }, 8),
      };
    case 'multi':
    case 'multiRead':
      return { op, results: readMultiResults(r) };
    case 'addWatch':
      if (r.remaining >= 4) r.int();
      return { op };
    case 'delete':
    case 'ping':
    case 'auth':
    case 'setWatches':
    case 'setWatches2':
    case 'closeSession':
    case 'removeWatches':
    case 'checkWatches':
      return { op: 'empty' };
  }
}

// Multi results are self-describing: each MultiHeader's type says which record follows.
function readMultiResults(r: JuteReader): MultiSubResult[] {
  const results: MultiSubResult[] = [];
  for (;;) {
    const h = readMultiHeader(r);
    if (h.done) return results;
    switch (h.type) {
      case OpCode.create:
        results.push({ op: 'create', path: r.string() });
        break;
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL: {
        const path = r.string();
        results.push({ op: 'create2', path, stat: readStat(r) });
        break;
      }
      case OpCode.delete:
        results.push({ op: 'delete' });
        break;
      case OpCode.setData:
        results.push({ op: 'setData', stat: readStat(r) });
        break;
      case OpCode.check:
        results.push({ op: 'check' });
        break;
      case OpCode.getData: {
        const data = r.bytes();
        results.push({ op: 'getData', data, stat: readStat(r) });
        break;
      }
      case OpCode.getChildren:
        results.push({ op: 'getChildren', children: r.stringList() });
        break;
      case OpCode.error:
        results.push({ op: 'error', err: r.int() });
        break;
      default:
        throw new MarshallingError(undefined, { detail: `invalid multi result type ${h.type}` });
    }
  }
}
