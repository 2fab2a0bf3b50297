/**
 * Encode/decode of the small shared records of zookeeper.jute (Stat, Id, ACL, headers,
 * WatcherEvent). Field order is wire order. Strings typed `string` in records.ts read null as ''.
 */
import type { JuteReader } from './jute-reader.js';
import type { JuteWriter } from './jute-writer.js';
import type { ACL, Id, MultiHeader, ReplyHeader, RequestHeader, Stat, WatcherEvent } from './records.js';

/** Wire sizes of fixed-size records. */
export const STAT_BYTES = 68;
export const REQUEST_HEADER_BYTES = 8;
export const REPLY_HEADER_BYTES = 16;
export const MULTI_HEADER_BYTES = 9;
/** Smallest possible ACL on the wire (perms + two null strings), used to bound vector counts. */
const MIN_ACL_BYTES = 12;

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.zxid(),
    mzxid: r.zxid(),
    ctime: r.zxid(),
    mtime: r.zxid(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.zxid(),
  };
}

export function writeStat(w: JuteWriter, s: Stat): void {
  w.zxid(s.czxid);
  w.zxid(s.mzxid);
  w.zxid(s.ctime);
  w.zxid(s.mtime);
  w.int(s.version);
  w.int(s.cversion);
  w.int(s.aversion);
  w.long(s.ephemeralOwner);
  w.int(s.dataLength);
  w.int(s.numChildren);
  w.zxid(s.pzxid);
}

export function readId(r: JuteReader): Id {
  return { scheme: r.string(), id: r.string() };
}

export function writeId(w: JuteWriter, id: Id): void {
  w.ustring(id.scheme);
  w.ustring(id.id);
}

export function readAcl(r: JuteReader): ACL {
  const perms = r.int();
  return { perms, id: readId(r) };
}

export function writeAcl(w: JuteWriter, acl: ACL): void {
  w.int(acl.perms);
  writeId(w, acl.id);
}

/** vector<ACL>; a null vector reads as []. */
export function readAclList(r: JuteReader): ACL[] {
  return r.list(readAcl, MIN_ACL_BYTES);
}

export function writeAclList(w: JuteWriter, acl: readonly ACL[] | null): void {
  w.vector(acl, writeAcl);
}

export function readWatcherEvent(r: JuteReader): WatcherEvent {
  const type = r.int() as WatcherEvent['type'];
  const state = r.int() as WatcherEvent['state'];
  return { type, state, path: r.string() };
}

export function writeWatcherEvent(w: JuteWriter, e: WatcherEvent): void {
  w.int(e.type);
  w.int(e.state);
  w.ustring(e.path);
}

export function readRequestHeader(r: JuteReader): RequestHeader {
  const xid = r.int();
  return { xid, type: r.int() };
}

export function writeRequestHeader(w: JuteWriter, h: RequestHeader): void {
  w.int(h.xid);
  w.int(h.type);
}

export function readReplyHeader(r: JuteReader): ReplyHeader {
  const xid = r.int();
  const zxid = r.zxid();
  return { xid, zxid, err: r.int() };
}

export function writeReplyHeader(w: JuteWriter, h: ReplyHeader): void {
  w.int(h.xid);
  w.zxid(h.zxid);
  w.int(h.err);
}

export function readMultiHeader(r: JuteReader): MultiHeader {
  const type = r.int();
  const done = r.bool();
  return { type, done, err: r.int() };
}

export function writeMultiHeader(w: JuteWriter, h: MultiHeader): void {
  w.int(h.type);
  w.bool(h.done);
  w.int(h.err);
}
