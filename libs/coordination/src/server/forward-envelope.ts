/**
 * What a follower or observer forwards to the leader through `ZabPeer.forward`: the client requests
 * only a leader may turn into txns (writes, session create/close) and the batch of session touches
 * that keeps the leader's session tracker from expiring sessions connected elsewhere. ZAB treats
 * these bytes as opaque; only the two hosts read them.
 */
import { MarshallingError } from '../protocol/errors.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import type { Id } from '../protocol/records.js';

export type ForwardEnvelope =
  /** a client write: `frame` is the request frame (header + body, no length prefix) */
  | { kind: 'write'; sessionId: bigint; cxid: number; authIds: Id[]; frame: Buffer }
  | { kind: 'createSession'; sessionId: bigint; timeoutMs: number; passwd: Buffer }
  | { kind: 'closeSession'; sessionId: bigint; cxid: number }
  /** sessions seen alive on the sender since its last batch */
  | { kind: 'touch'; sessionIds: bigint[] }
  /**
   * a client resumed this session on the sender: the leader records the sender as the session's
   * owner (ZooKeeper's REVALIDATE + setOwner), so writes arriving through the old member fail
   * SESSIONMOVED
   */
  | { kind: 'revalidate'; sessionId: bigint };

const KIND = { write: 1, createSession: 2, closeSession: 3, touch: 4, revalidate: 5 } as const;

export class ForwardEnvelopeError extends MarshallingError {
  constructor(detail: string) {
    super(undefined, { detail });
  }
}

/** Serializes an envelope for `ZabPeer.forward`. */
export function encodeForward(e: ForwardEnvelope): Buffer {
  const w = new JuteWriter(64);
  w.byte(KIND[e.kind]);
  switch (e.kind) {
    case 'write':
      w.long(e.sessionId).int(e.cxid).int(e.authIds.length);
      for (const id of e.authIds) w.ustring(id.scheme).ustring(id.id);
      w.buffer(e.frame);
      break;
    case 'createSession':
      w.long(e.sessionId).int(e.timeoutMs).buffer(e.passwd);
      break;
    case 'closeSession':
      w.long(e.sessionId).int(e.cxid);
      break;
    case 'touch':
      w.int(e.sessionIds.length);
      for (const id of e.sessionIds) w.long(id);
      break;
    case 'revalidate':
      w.long(e.sessionId);
      break;
  }
  return w.toBuffer();
}

/** @throws ForwardEnvelopeError on an unknown kind (a codec error from the reader otherwise). */
export function decodeForward(buf: Buffer): ForwardEnvelope {
  const r = new JuteReader(buf);
  const kind = r.byte();
  switch (kind) {
    case KIND.write: {
      const sessionId = r.long();
      const cxid = r.int();
      const n = r.int();
      const authIds: Id[] = [];
      for (let i = 0; i < n; i++) authIds.push({ scheme: r.string(), id: r.string() });
      return { kind: 'write', sessionId, cxid, authIds, frame: r.bytes() };
    }
    case KIND.createSession:
      return { kind: 'createSession', sessionId: r.long(), timeoutMs: r.int(), passwd: r.bytes() };
    case KIND.closeSession:
      return { kind: 'closeSession', sessionId: r.long(), cxid: r.int() };
    case KIND.touch: {
      const n = r.int();
      const sessionIds: bigint[] = [];
      for (let i = 0; i < n; i++) sessionIds.push(r.long());
      return { kind: 'touch', sessionIds };
    }
    case KIND.revalidate:
      return { kind: 'revalidate', sessionId: r.long() };
    default:
      throw new ForwardEnvelopeError(`unknown forward kind ${kind}`);
  }
}
