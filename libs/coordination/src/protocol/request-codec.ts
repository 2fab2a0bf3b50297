/**
 * Client requests: RequestHeader + request record (reference §1.3–1.6, §1.11).
 * The server decodes with decodeRequest; our client encodes with encodeRequest.
 * Trailing bytes after a record are ignored, as ZooKeeper's deserializers do.
 */
import { OpCode } from './constants.js';
import { CoordinationError, MarshallingError, UnimplementedError } from './errors.js';
import { JuteReader } from './jute-reader.js';
import { JuteWriter } from './jute-writer.js';
import {
  readAclList,
  readMultiHeader,
  readRequestHeader,
  writeAclList,
  writeMultiHeader,
  writeRequestHeader,
} from './record-codec.js';
import type {
  CreateRequest,
  MultiSubRequest,
  PathWatchRequest,
  Request,
  RequestHeader,
  SetWatchesRequest,
} from './records.js';

/** A decoded request frame. */
export interface DecodedRequest {
  header: RequestHeader;
  request: Request;
}

/** The opcode that carries `request` on the wire (its `op` names an OpCode key). */
export function opCodeOf(request: Request | MultiSubRequest): number {
  return OpCode[request.op];
}

// Opcode -> op name, for the opcodes a client may send. Anything else is UNIMPLEMENTED.
const OP_NAMES = new Map<number, Request['op']>([
  [OpCode.create, 'create'],
  [OpCode.create2, 'create2'],
  [OpCode.createContainer, 'createContainer'],
  [OpCode.createTTL, 'createTTL'],
  [OpCode.delete, 'delete'],
  [OpCode.exists, 'exists'],
  [OpCode.getData, 'getData'],
  [OpCode.setData, 'setData'],
  [OpCode.getACL, 'getACL'],
  [OpCode.setACL, 'setACL'],
  [OpCode.getChildren, 'getChildren'],
  [OpCode.getChildren2, 'getChildren2'],
  [OpCode.sync, 'sync'],
  [OpCode.ping, 'ping'],
  [OpCode.check, 'check'],
  [OpCode.multi, 'multi'],
  [OpCode.multiRead, 'multiRead'],
  [OpCode.reconfig, 'reconfig'],
  [OpCode.auth, 'auth'],
  [OpCode.setWatches, 'setWatches'],
  [OpCode.setWatches2, 'setWatches2'],
  [OpCode.getEphemerals, 'getEphemerals'],
  [OpCode.getAllChildrenNumber, 'getAllChildrenNumber'],
  [OpCode.addWatch, 'addWatch'],
  [OpCode.removeWatches, 'removeWatches'],
  [OpCode.checkWatches, 'checkWatches'],
  [OpCode.whoAmI, 'whoAmI'],
  [OpCode.closeSession, 'closeSession'],
]);

// Sub-op kinds allowed inside multi (writes) and multiRead (reads). ZooKeeper rejects a record that
// mixes the two kinds ("Mixing different kind of ops") when deserializing, hence MarshallingError.
const MULTI_WRITE_OPS = new Map<number, MultiSubRequest['op']>([
  [OpCode.create, 'create'],
  [OpCode.create2, 'create2'],
  [OpCode.createContainer, 'createContainer'],
  [OpCode.createTTL, 'createTTL'],
  [OpCode.delete, 'delete'],
  [OpCode.setData, 'setData'],
  [OpCode.check, 'check'],
]);
const MULTI_READ_OPS = new Map<number, MultiSubRequest['op']>([
  [OpCode.getData, 'getData'],
  [OpCode.getChildren, 'getChildren'],
]);

/**
 * Decodes one request payload (a frame without its length prefix).
 * @throws UnimplementedError (with `xid`) for an opcode we do not serve, MarshallingError (with
 *   `xid` when the header was readable) for bytes that do not decode. Nothing else escapes.
 * @example
 *   const { header, request } = decodeRequest(payload);
 *   if (request.op === 'getData') ...
 */
export function decodeRequest(frame: Buffer): DecodedRequest {
  const r = new JuteReader(frame);
  let header: RequestHeader;
  try {
    header = readRequestHeader(r);
  } catch (e) {
    throw asMarshalling(e, undefined);
  }
  const op = OP_NAMES.get(header.type);
  if (op === undefined) {
    throw new UnimplementedError(undefined, { xid: header.xid, detail: `unknown opcode ${header.type}` });
  }
  try {
    return { header, request: readBody(op, r) };
  } catch (e) {
    throw asMarshalling(e, header.xid);
  }
}

function asMarshalling(e: unknown, xid: number | undefined): CoordinationError {
  const detail = e instanceof CoordinationError ? e.message : String(e);
  return new MarshallingError(undefined, { xid, detail, cause: e });
}

function readBody(op: Request['op'], r: JuteReader): Request {
  switch (op) {
    case 'create':
    case 'create2':
    case 'createContainer':
    case 'createTTL':
      return readCreate(op, r);
    case 'delete': {
      const path = r.string();
      return { op, path, version: r.int() };
    }
    case 'exists':
    case 'getData':
    case 'getChildren':
    case 'getChildren2':
      return readPathWatch(op, r);
    case 'setData': {
      const path = r.string();
      const data = r.buffer();
      return { op, path, data, version: r.int() };
    }
    case 'getACL':
      return { op, path: r.string() };
    case 'setACL': {
      const path = r.string();
      const acl = readAclList(r);
      return { op, path, acl, version: r.int() };
    }
    case 'check': {
      const path = r.string();
      return { op, path, version: r.int() };
    }
    case 'sync':
    case 'getAllChildrenNumber':
    case 'getEphemerals':
      return { op, path: r.string() };
    case 'checkWatches':
    case 'removeWatches': {
      const path = r.string();
      return { op, path, type: r.int() };
    }
    case 'addWatch': {
      const path = r.string();
      return { op, path, mode: r.int() };
    }
    case 'setWatches':
    case 'setWatches2':
      return readSetWatches(op, r);
    case 'auth': {
      const type = r.int();
      const scheme = r.string();
      return { op, type, scheme, auth: r.bytes() };
    }
    case 'multi':
    case 'multiRead':
      return { op, ops: readMultiOps(op, r) };
    case 'reconfig': {
      const joiningServers = r.ustring();
      const leavingServers = r.ustring();
      const newMembers = r.ustring();
      return { op, joiningServers, leavingServers, newMembers, curConfigId: r.zxid() };
    }
    case 'ping':
    case 'closeSession':
    case 'whoAmI':
      return { op };
  }
}

function readCreate(op: CreateRequest['op'], r: JuteReader): CreateRequest {
  const path = r.string();
  const data = r.buffer();
  const acl = readAclList(r);
  const flags = r.int();
  if (op !== 'createTTL') return { op, path, data, acl, flags };
  // TTL is a long; values beyond 2^53 lose precision, but the server rejects any TTL above
  // MAX_TTL_MS (2^40-1) with BADARGUMENTS anyway.
  return { op, path, data, acl, flags, ttl: r.zxid() };
}

function readPathWatch(op: PathWatchRequest['op'], r: JuteReader): PathWatchRequest {
  const path = r.string();
  return { op, path, watch: r.bool() };
}

function readSetWatches(op: SetWatchesRequest['op'], r: JuteReader): SetWatchesRequest {
  const relativeZxid = r.zxid();
  const dataWatches = r.stringList();
  const existWatches = r.stringList();
  const childWatches = r.stringList();
  const persistentWatches = op === 'setWatches2' ? r.stringList() : [];
  const persistentRecursiveWatches = op === 'setWatches2' ? r.stringList() : [];
  return {
    op,
    relativeZxid,
    dataWatches,
    existWatches,
    childWatches,
    persistentWatches,
    persistentRecursiveWatches,
  };
}

/**
 * A multi/multiRead whose ops are all of the other kind (a multiRead of writes): ZooKeeper's
 * MultiOperationRecord decodes it (only MIXING kinds fails there) and the server fails it later,
 * so the reply differs from a mixed record's (see ClientConnection). A MarshallingError's cause.
 */
export class WrongMultiKindError extends MarshallingError {}

function readMultiOps(op: 'multi' | 'multiRead', r: JuteReader): MultiSubRequest[] {
  const allowed = op === 'multi' ? MULTI_WRITE_OPS : MULTI_READ_OPS;
  const others = op === 'multi' ? MULTI_READ_OPS : MULTI_WRITE_OPS;
  const ops: MultiSubRequest[] = [];
  let wrongKind = 0;
  // Each iteration consumes at least a 9-byte MultiHeader, so the loop is bounded by the frame.
  for (;;) {
    const h = readMultiHeader(r);
    if (h.done) break;
    const sub = allowed.get(h.type) ?? others.get(h.type);
    if (sub === undefined) {
      throw new MarshallingError(undefined, { detail: `invalid op type ${h.type} in ${op}` });
    }
    if (!allowed.has(h.type)) wrongKind++;
    if (wrongKind > 0 && wrongKind <= ops.length) {
      throw new MarshallingError(undefined, { detail: `Mixing different kind of ops in ${op}` });
    }
    ops.push(readBody(sub, r) as MultiSubRequest);
  }
  if (wrongKind > 0) {
    throw new WrongMultiKindError(undefined, {
      detail: `Mixing different kind of ops in ${op} (all of the other kind)`,
    });
  }
  return ops;
}

/**
 * Encodes a full request FRAME (length prefix + RequestHeader + body) for the client.
 * @example
 *   socket.write(encodeRequest(7, { op: 'getData', path: '/a', watch: false }));
 */
export function encodeRequest(xid: number, request: Request): Buffer {
  const w = new JuteWriter(sizeHint(request));
  writeRequestHeader(w, { xid, type: opCodeOf(request) });
  writeBody(w, request);
  return w.toFrame();
}

/** Writes a request body (no header) into `w`. */
export function writeRequestBody(w: JuteWriter, request: Request): void {
  writeBody(w, request);
}

function sizeHint(request: Request): number {
  let n = 64;
  if ('path' in request) n += request.path.length * 3;
  if ('data' in request && request.data) n += request.data.length;
  return n;
}

function writeBody(w: JuteWriter, q: Request): void {
  switch (q.op) {
    case 'create':
    case 'create2':
    case 'createContainer':
    case 'createTTL':
      w.ustring(q.path);
      w.buffer(q.data);
      writeAclList(w, q.acl);
      w.int(q.flags);
      if (q.op === 'createTTL') w.zxid(q.ttl ?? 0);
      return;
    case 'delete':
      w.ustring(q.path);
      w.int(q.version);
      return;
    case 'exists':
    case 'getData':
    case 'getChildren':
    case 'getChildren2':
      w.ustring(q.path);
      w.bool(q.watch);
      return;
    case 'setData':
      w.ustring(q.path);
      w.buffer(q.data);
      w.int(q.version);
      return;
    case 'getACL':
      w.ustring(q.path);
      return;
    case 'setACL':
      w.ustring(q.path);
      writeAclList(w, q.acl);
      w.int(q.version);
      return;
    case 'check':
      w.ustring(q.path);
      w.int(q.version);
      return;
    case 'sync':
    case 'getAllChildrenNumber':
    case 'getEphemerals':
      w.ustring(q.path);
      return;
    case 'checkWatches':
    case 'removeWatches':
      w.ustring(q.path);
      w.int(q.type);
      return;
    case 'addWatch':
      w.ustring(q.path);
      w.int(q.mode);
      return;
    case 'setWatches':
    case 'setWatches2':
      w.zxid(q.relativeZxid);
      w.stringList(q.dataWatches);
      w.stringList(q.existWatches);
      w.stringList(q.childWatches);
      if (q.op === 'setWatches2') {
        w.stringList(q.persistentWatches);
        w.stringList(q.persistentRecursiveWatches);
      }
      return;
    case 'auth':
      w.int(q.type);
      w.ustring(q.scheme);
      w.buffer(q.auth);
      return;
    case 'multi':
    case 'multiRead':
      for (const sub of q.ops) {
        writeMultiHeader(w, { type: opCodeOf(sub), done: false, err: -1 });
        writeBody(w, sub);
      }
      writeMultiHeader(w, { type: -1, done: true, err: -1 });
      return;
    case 'reconfig':
      w.ustring(q.joiningServers);
      w.ustring(q.leavingServers);
      w.ustring(q.newMembers);
      w.zxid(q.curConfigId);
      return;
    case 'ping':
    case 'closeSession':
    case 'whoAmI':
      return;
  }
}
