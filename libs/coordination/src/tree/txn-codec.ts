/**
 * Compact binary form of a {@link Txn} for the txn log and ZAB proposals. Our own format (not
 * ZooKeeper's on-disk one), built on the shared jute primitives:
 *   header = long sessionId, int cxid, long zxid, long time
 *   body   = byte tag, then the tag's fields (multi: int count + bodies)
 * The first byte is a format version so the layout can evolve.
 */
import { MarshallingError } from '../protocol/errors.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import type { ACL } from '../protocol/records.js';
import type { Txn, TxnBody } from './txn.js';

const FORMAT_VERSION = 1;

const Tag = {
  create: 1,
  delete: 2,
  setData: 3,
  setACL: 4,
  check: 5,
  createSession: 6,
  closeSession: 7,
  error: 8,
  multi: 9,
} as const;

function writeAcl(w: JuteWriter, acl: readonly ACL[]): void {
  w.int(acl.length);
  for (const a of acl) w.int(a.perms).ustring(a.id.scheme).ustring(a.id.id);
}

function readAcl(r: JuteReader): ACL[] {
  return r.list((rr) => ({ perms: rr.int(), id: { scheme: rr.string(), id: rr.string() } }), 12);
}

function writeBody(w: JuteWriter, b: TxnBody): void {
  switch (b.type) {
    case 'create':
      w.byte(Tag.create).ustring(b.path).buffer(b.data);
      writeAcl(w, b.acl);
      w.long(b.ephemeralOwner).int(b.parentCVersion);
      return;
    case 'delete':
      w.byte(Tag.delete).ustring(b.path);
      return;
    case 'setData':
      w.byte(Tag.setData).ustring(b.path).buffer(b.data).int(b.version);
      return;
    case 'setACL':
      w.byte(Tag.setACL).ustring(b.path);
      writeAcl(w, b.acl);
      w.int(b.version);
      return;
    case 'check':
      w.byte(Tag.check).ustring(b.path).int(b.version);
      return;
    case 'createSession':
      w.byte(Tag.createSession).int(b.timeOut).buffer(b.passwd);
      return;
    case 'closeSession':
      w.byte(Tag.closeSession).stringList(b.paths);
      return;
    case 'error':
      w.byte(Tag.error).int(b.err);
      return;
    case 'multi':
      w.byte(Tag.multi).int(b.txns.length);
      for (const t of b.txns) writeBody(w, t);
      return;
  }
}

function readBody(r: JuteReader, depth: number): TxnBody {
  const tag = r.byte();
  switch (tag) {
    case Tag.create: {
      const path = r.string();
      const data = r.buffer();
      const acl = readAcl(r);
      return { type: 'create', path, data, acl, ephemeralOwner: r.long(), parentCVersion: r.int() };
    }
    case Tag.delete:
      return { type: 'delete', path: r.string() };
    case Tag.setData:
      return { type: 'setData', path: r.string(), data: r.buffer(), version: r.int() };
    case Tag.setACL: {
      const path = r.string();
      const acl = readAcl(r);
      return { type: 'setACL', path, acl, version: r.int() };
    }
    case Tag.check:
      return { type: 'check', path: r.string(), version: r.int() };
    case Tag.createSession:
      return { type: 'createSession', timeOut: r.int(), passwd: r.bytes() };
    case Tag.closeSession:
      return { type: 'closeSession', paths: r.stringList() };
    case Tag.error:
      return { type: 'error', err: r.int() };
    case Tag.multi: {
      // Multis never nest in ZooKeeper; refuse deep nesting instead of recursing on hostile input.
      if (depth > 0) throw new MarshallingError(undefined, { detail: 'nested multi txn' });
      const n = r.int();
      if (n < 0 || n > r.remaining) throw new MarshallingError(undefined, { detail: `bad multi count ${n}` });
      const txns: TxnBody[] = [];
      for (let i = 0; i < n; i++) txns.push(readBody(r, depth + 1));
      return { type: 'multi', txns };
    }
    default:
      throw new MarshallingError(undefined, { detail: `unknown txn tag ${tag}` });
  }
}

/** Encodes a txn. @example const buf = encodeTxn(txn); decodeTxn(buf) // deep-equals txn */
export function encodeTxn(txn: Txn): Buffer {
  const w = new JuteWriter(64);
  w.byte(FORMAT_VERSION);
  w.long(txn.header.sessionId).int(txn.header.cxid).zxid(txn.header.zxid).zxid(txn.header.time);
  writeBody(w, txn.body);
  return w.toBuffer();
}

/** Decodes {@link encodeTxn} output; throws MarshallingError on malformed input. */
export function decodeTxn(buf: Buffer): Txn {
  const r = new JuteReader(buf);
  const v = r.byte();
  if (v !== FORMAT_VERSION) throw new MarshallingError(undefined, { detail: `unknown txn format ${v}` });
  const header = { sessionId: r.long(), cxid: r.int(), zxid: r.zxid(), time: r.zxid() };
  const body = readBody(r, 0);
  if (r.remaining !== 0) throw new MarshallingError(undefined, { detail: `${r.remaining} trailing bytes` });
  return { header, body };
}
