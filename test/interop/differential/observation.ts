/**
 * What a server answered, decoded field by field and made comparable across servers: zxids,
 * times and session ids are replaced by canonical tokens assigned by first appearance within
 * one sequence (z1, z2, ...; s0, s1, ... by the session's number in the sequence), so two servers
 * agree exactly when they answered the same thing up to the numbering each chose for itself.
 * Times are checked rather than dropped: a time must be plausible, and every occurrence of one
 * zxid must carry the same time (ctime with czxid, mtime with mzxid), so a time reads "t@z7".
 */
import { CONTAINER_EPHEMERAL_OWNER } from '../../../libs/coordination/src/protocol/constants.js';
import { JuteReader } from '../../../libs/coordination/src/protocol/jute-reader.js';
import { readWatcherEvent } from '../../../libs/coordination/src/protocol/record-codec.js';
import type { ConnectResponse, Request } from '../../../libs/coordination/src/protocol/records.js';
import { decodeReplyBody } from '../../../libs/coordination/src/protocol/response-codec.js';

/** A JSON value after canonicalisation: what comparisons and reports work on. */
export type Canonical = null | boolean | number | string | Canonical[] | { [key: string]: Canonical };

/** What the op of a pending request tells the decoder: a request op, or 'sasl' for SetSASLResponse. */
export type ReplyKind = Request['op'] | 'sasl';

const TTL_MASK = 0xffn << 56n;

/** Per-server, per-sequence numbering of the values each server picks for itself. */
export class Canonicalizer {
  private readonly zxids = new Map<number, string>();
  private readonly timeOfZxid = new Map<number, number>();
  private readonly sessionTokens = new Map<bigint, string>();
  private unknownSessions = 0;

  /** @param startedAt wall-clock ms when the servers started: earlier times are implausible */
  constructor(private readonly startedAt: number) {}

  /** Session number `index` of the sequence has id `id` on this server. */
  knowSession(index: number, id: bigint): void {
    this.sessionTokens.set(id, `s${index}`);
  }

  zxid(z: number): string | number {
    // 0 and -1 are protocol constants (auth replies, notifications, unknown opcodes), not counters.
    if (z <= 0) return z;
    let t = this.zxids.get(z);
    if (t === undefined) {
      t = `z${this.zxids.size + 1}`;
      this.zxids.set(z, t);
    }
    return t;
  }

  time(t: number, zxid: number): string {
    const z = this.zxid(zxid);
    if (zxid <= 0) return t === 0 ? `t@${z}` : `time ${t} on zxid ${zxid}`;
    if (t < this.startedAt - 60_000 || t > Date.now() + 60_000) return `implausible time ${t}`;
    const seen = this.timeOfZxid.get(zxid);
    if (seen === undefined) this.timeOfZxid.set(zxid, t);
    else if (seen !== t) return `time ${t} differs from ${seen} seen before with ${z}`;
    return `t@${z}`;
  }

  session(id: bigint): string {
    if (id === 0n) return '0';
    if (id === CONTAINER_EPHEMERAL_OWNER) return 'container';
    if ((id & TTL_MASK) === TTL_MASK) return `ttl ${id & ~TTL_MASK}`;
    let t = this.sessionTokens.get(id);
    if (t === undefined) {
      t = `unknown session #${++this.unknownSessions}`;
      this.sessionTokens.set(id, t);
    }
    return t;
  }

  /** Walks a decoded record, tokenising fields by name (the records' own field names). */
  value(v: unknown, parent?: Record<string, unknown>, key?: string): Canonical {
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint')
      return key === 'ephemeralOwner' || key === 'sessionId' ? this.session(v) : `${v}`;
    if (typeof v === 'number') {
      if (key === 'zxid' || key === 'czxid' || key === 'mzxid' || key === 'pzxid') return this.zxid(v);
      if (key === 'ctime' && parent) return this.time(v, parent['czxid'] as number);
      if (key === 'mtime' && parent) return this.time(v, parent['mzxid'] as number);
      return v;
    }
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    const out: { [k: string]: Canonical } = {};
    const rec = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(rec)) out[k] = this.value(x, rec, k);
    return out;
  }
}

/**
 * Decodes one reply or notification frame (length prefix stripped). `kindFor(xid)` names the
 * request the reply answers, when known. Anything that does not decode exactly is kept as hex.
 */
export function decodeFrame(
  frame: Buffer,
  kindFor: (xid: number) => ReplyKind | undefined,
): Record<string, unknown> {
  if (frame.length < 16) return { short: frame };
  const r = new JuteReader(frame);
  const xid = r.int();
  const zxid = r.zxid();
  const err = r.int();
  const header = { xid, zxid, err };
  const body = frame.subarray(16);
  // A notification is xid -1 with zxid -1 in 3.8; a request sent on xid -1 is answered with a
  // real zxid, so it is not mistaken for one (and its pending entry is not used up by an event).
  if (xid === -1 && zxid === -1) {
    try {
      const event = readWatcherEvent(r);
      if (r.remaining === 0) return { ...header, event };
    } catch {
      // not a notification after all
    }
    return { ...header, body };
  }
  const kind = kindFor(xid);
  if (err !== 0 || kind === undefined || body.length === 0) return { ...header, body };
  try {
    if (kind === 'sasl') {
      const token = r.buffer();
      return { ...header, token, trailing: frame.subarray(r.offset) };
    }
    const decoded = decodeReplyBody(kind, r);
    return r.remaining === 0
      ? { ...header, response: decoded }
      : { ...header, response: decoded, trailing: frame.subarray(r.offset) };
  } catch {
    return { ...header, undecodable: body };
  }
}

/** A ConnectResponse as compared: the password is random, so only its length counts. */
export function connectRecord(res: ConnectResponse | undefined): Record<string, unknown> {
  if (!res) return { connect: 'closed without a response' };
  return {
    protocolVersion: res.protocolVersion,
    timeOut: res.timeOut,
    sessionId: res.sessionId,
    passwdLength: res.passwd.length,
    readOnly: res.readOnly ?? null,
  };
}
