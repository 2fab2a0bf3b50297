/**
 * One server's side of a differential sequence: its connections, what each has pending, and how
 * a step is sent and its outcome collected. After every step a barrier (an exists on "/" with an
 * xid from a reserved range, behind a sync in ensemble mode) runs on every open connection: every
 * reply and watch event the step caused arrives before that barrier's reply, so the observation
 * of a step is complete and ordered without any sleep.
 */
import {
  decodeConnectResponse,
  encodeConnectRequest,
} from '../../../libs/coordination/src/protocol/connect-codec.js';
import { encodeFrame } from '../../../libs/coordination/src/protocol/frame-decoder.js';
import { encodeRequest } from '../../../libs/coordination/src/protocol/request-codec.js';
import type { ConnectResponse, Request } from '../../../libs/coordination/src/protocol/records.js';
import { RawSession } from '../../support/raw-session.js';
import { Canonicalizer, connectRecord, decodeFrame, type Canonical, type ReplyKind } from './observation.js';
import type { RequestStep, Step } from './scenario.js';

/** Replies after which a server drops the connection: UNIMPLEMENTED (unknown opcode), AUTHFAILED. */
const CLOSING_ERRORS = new Set([-6, -115]);

/** Barrier xids live here; the generator never uses them. */
export const BARRIER_XID_BASE = 0x3f000000;
/** Requested session timeout: long enough that nothing expires within a sequence. */
const SESSION_TIMEOUT_MS = 30_000;
/**
 * Bound on any single wait; a server that takes longer is recorded as not answering. Ensembles
 * get longer: an Apache 3.8 ensemble on a loaded 2-core machine now and then holds a sync for
 * several seconds (seen in ensemble runs; it always answers in the end).
 */
const REPLY_TIMEOUT_MS = 5_000;
const ENSEMBLE_REPLY_TIMEOUT_MS = 30_000;
/** Reconnect attempts against a lagging ensemble member (50 ms apart). */
const LAGGING_RETRIES = 40;
/** How long a client waits on an incomplete frame before giving up on the connection. */
const INCOMPLETE_WAIT_MS = 150;

interface Conn {
  raw?: RawSession;
  id?: bigint;
  passwd?: Buffer;
  /** what each outstanding xid asked, oldest first (xids may repeat). */
  pending: Map<number, ReplyKind[]>;
  closedSession: boolean;
  /** we dropped the connection ourselves (RawSession learns of it only on the next turn) */
  dropped?: boolean;
}

function connected(c: Conn | undefined): c is Conn & { raw: RawSession } {
  return !!c?.raw && !c.raw.closed && !c.dropped;
}

function drop(c: Conn | undefined): void {
  if (!c?.raw) return;
  c.raw.close();
  c.dropped = true;
}

/** The observation of one step on one server, canonical. */
export interface StepObservation {
  /** frames on the acting session, in arrival order, up to its barrier */
  frames: Canonical[];
  /** the acting connection was closed by the server */
  closed: boolean;
  /** watch events and other frames that reached the other open sessions */
  others: { [session: string]: Canonical[] };
}

export class TargetRun {
  private readonly conns: Conn[] = [];
  private barrierXid = BARRIER_XID_BASE;
  /** highest zxid seen in a reply header (for setWatches' relativeZxid 'last') */
  private lastZxid = 0;
  readonly canon: Canonicalizer;

  /**
   * @param ports client ports of the members (one for standalone)
   * @param syncBarriers put a sync before each barrier (ensemble: members may lag the leader)
   */
  constructor(
    readonly name: string,
    private readonly ports: number[],
    startedAt: number,
    private readonly syncBarriers: boolean,
  ) {
    this.canon = new Canonicalizer(startedAt);
  }

  /** Whether session `i` currently has a connection (for the model). */
  isOpen(i: number): boolean {
    return connected(this.conns[i]);
  }

  sessionClosed(i: number): boolean {
    return this.conns[i]?.closedSession ?? false;
  }

  async step(step: Step): Promise<StepObservation> {
    switch (step.kind) {
      case 'connect':
        return this.connect(step.session, step.member, false);
      case 'reconnect':
        return this.connect(step.session, step.member, true);
      case 'disconnect': {
        drop(this.conns[step.session]);
        return { frames: [], closed: true, others: await this.otherBarriers(step.session) };
      }
      case 'request':
        return this.request(step);
      case 'raw':
        return this.rawStep(step.session, step.bytes, step.xid, step.incomplete ?? false);
    }
  }

  private async connect(i: number, member: number, resume: boolean): Promise<StepObservation> {
    const prev = this.conns[i];
    drop(prev);
    const conn: Conn = { pending: new Map(), closedSession: false, id: prev?.id, passwd: prev?.passwd };
    this.conns[i] = conn;
    const port = this.ports[member % this.ports.length]!;
    let res = await this.handshake(conn, port, resume);
    // A member that has not yet applied the last zxid this client saw refuses it (closes without
    // a ConnectResponse) until it catches up; a client retries. Only ensembles can lag.
    for (let attempt = 0; !res && resume && this.syncBarriers && attempt < LAGGING_RETRIES; attempt++) {
      await new Promise((r) => setTimeout(r, 50));
      res = await this.handshake(conn, port, resume);
    }
    if (res && res.sessionId !== 0n) {
      conn.id = res.sessionId;
      conn.passwd = res.passwd;
      this.canon.knowSession(i, res.sessionId);
    }
    const frames: Canonical[] = [this.canon.value(connectRecord(res))];
    const closed = await this.barrier(i, frames);
    return { frames, closed, others: await this.otherBarriers(i) };
  }

  private async handshake(conn: Conn, port: number, resume: boolean): Promise<ConnectResponse | undefined> {
    const raw = await RawSession.open(port);
    conn.raw = raw;
    raw.send(
      encodeFrame(
        encodeConnectRequest({
          protocolVersion: 0,
          lastZxidSeen: resume ? this.lastZxid : 0,
          timeOut: SESSION_TIMEOUT_MS,
          sessionId: resume ? (conn.id ?? 0n) : 0n,
          passwd: resume ? (conn.passwd ?? Buffer.alloc(16)) : Buffer.alloc(16),
          readOnly: false,
        }),
      ),
    );
    const frame = await raw.nextFrame(REPLY_TIMEOUT_MS);
    return frame ? decodeConnectResponse(frame) : undefined;
  }

  private encode(step: RequestStep): Buffer {
    let request: Request = step.request;
    if ((request.op === 'setWatches' || request.op === 'setWatches2') && step.relativeZxid) {
      const relativeZxid =
        step.relativeZxid === 'zero' ? 0 : step.relativeZxid === 'last' ? this.lastZxid : 2 ** 50;
      request = { ...request, relativeZxid };
    }
    return encodeRequest(step.xid, request);
  }

  private async request(step: RequestStep): Promise<StepObservation> {
    const conn = this.conns[step.session]!;
    const raw = conn.raw!;
    // a ping is answered on xid -2, whatever it carried; decode() knows -2 as a ping reply
    if (step.request.op !== 'ping') pushPending(conn, step.xid, step.request.op);
    raw.send(this.encode(step));
    const frames: Canonical[] = [];
    let closed: boolean;
    if (step.mayClose) {
      closed = await this.collectFirstReply(step.session, frames, REPLY_TIMEOUT_MS);
      if (!closed) closed = await this.barrier(step.session, frames);
    } else {
      closed = await this.barrier(step.session, frames);
    }
    if (step.request.op === 'closeSession' && closed) conn.closedSession = true;
    return { frames, closed, others: await this.otherBarriers(step.session) };
  }

  private async rawStep(
    i: number,
    bytes: Buffer,
    xid: number | undefined,
    incomplete: boolean,
  ): Promise<StepObservation> {
    const conn = this.conns[i]!;
    if (xid !== undefined && bytes.length >= 12) {
      const type = bytes.readInt32BE(8);
      // sasl answers a SetSASLResponse; anything else that answers has no body we could decode
      if (type === 102) pushPending(conn, xid, 'sasl');
    }
    conn.raw!.send(bytes);
    const frames: Canonical[] = [];
    let closed = await this.collectFirstReply(i, frames, incomplete ? INCOMPLETE_WAIT_MS : REPLY_TIMEOUT_MS);
    if (incomplete) {
      // The server still waits for the rest of the frame; the client gives up on the connection.
      drop(conn);
      return { frames, closed, others: await this.otherBarriers(i) };
    }
    if (!closed) closed = await this.barrier(i, frames);
    return { frames, closed, others: await this.otherBarriers(i) };
  }

  /** Collects frames until one that is not a notification, or close, or `ms`. True if closed. */
  private async collectFirstReply(i: number, out: Canonical[], ms: number): Promise<boolean> {
    const conn = this.conns[i]!;
    const raw = conn.raw!;
    const deadline = Date.now() + ms;
    for (;;) {
      const f = await raw.nextFrame(Math.max(1, deadline - Date.now()));
      if (!f) return raw.closed;
      const xid = f.length >= 4 ? f.readInt32BE(0) : 0;
      out.push(this.decode(conn, f));
      if (xid !== -1) {
        // A reply that ends the connection: Apache closes it asynchronously and may still answer a
        // request already on its way, so nothing more is sent; the close itself is what we compare
        // (allowed-differences.ts, 'requests-after-a-closing-reply').
        if (f.length >= 16 && CLOSING_ERRORS.has(f.readInt32BE(12)))
          return raw.closedWithin(REPLY_TIMEOUT_MS);
        return false;
      }
      if (Date.now() >= deadline) return raw.closed;
    }
  }

  /** Sends a barrier on session i and collects every frame up to its reply. True if closed first. */
  private async barrier(i: number, out: Canonical[]): Promise<boolean> {
    const conn = this.conns[i]!;
    if (!connected(conn)) return true;
    const raw = conn.raw;
    const frames: Buffer[] = [];
    if (this.syncBarriers) {
      const sx = this.barrierXid++;
      pushPending(conn, sx, 'sync');
      frames.push(encodeRequest(sx, { op: 'sync', path: '/' }));
    }
    const bx = this.barrierXid++;
    pushPending(conn, bx, 'exists');
    frames.push(encodeRequest(bx, { op: 'exists', path: '/', watch: false }));
    raw.send(Buffer.concat(frames));
    const bound = this.syncBarriers ? ENSEMBLE_REPLY_TIMEOUT_MS : REPLY_TIMEOUT_MS;
    const deadline = Date.now() + bound;
    for (;;) {
      const f = await raw.nextFrame(Math.max(1, deadline - Date.now()));
      if (!f) {
        if (!raw.closed) out.push({ timeout: `no barrier reply within ${bound} ms` });
        return raw.closed;
      }
      const xid = f.readInt32BE(0);
      if (xid >= BARRIER_XID_BASE && xid < BARRIER_XID_BASE + 0x1000000) {
        // The barrier's own reply: its header zxid says where the server stands after the step.
        const zxid = Number(f.readBigInt64BE(4));
        takePending(conn, xid);
        if (xid === bx) {
          out.push({ barrier: this.canon.zxid(zxid), err: f.readInt32BE(12) });
          // Replies come in request order: whatever was sent before the barrier and is still
          // pending was never answered (a top-level check, say) and never will be.
          conn.pending.clear();
          return false;
        }
        continue;
      }
      out.push(this.decode(conn, f));
    }
  }

  private async otherBarriers(acting: number): Promise<{ [session: string]: Canonical[] }> {
    const others: { [session: string]: Canonical[] } = {};
    await Promise.all(
      this.conns.map(async (c, i) => {
        if (i === acting || !connected(c)) return;
        const frames: Canonical[] = [];
        const closed = await this.barrier(i, frames);
        // The barrier's header zxid on a session that did nothing adds no information.
        const seen = frames.filter((f) => !(f && typeof f === 'object' && 'barrier' in f));
        if (seen.length > 0 || closed) others[`s${i}`] = closed ? [...seen, 'closed'] : seen;
      }),
    );
    return others;
  }

  private decode(conn: Conn, f: Buffer): Canonical {
    // -2 answers a ping whatever its xid was, unless a request really was sent on xid -2
    const decoded = decodeFrame(f, (xid) => takePending(conn, xid) ?? (xid === -2 ? 'ping' : undefined));
    const zxid = decoded['zxid'];
    if (typeof zxid === 'number' && zxid > this.lastZxid) this.lastZxid = zxid;
    return this.canon.value(decoded);
  }

  /**
   * Ends the sequence: every session is closed (reconnecting to those whose connection was lost)
   * so none expires later and shifts the zxids of a following sequence.
   */
  async closeAll(): Promise<void> {
    for (const [i, c] of this.conns.entries()) {
      if (c.closedSession || c.id === undefined) {
        drop(c);
        continue;
      }
      if (!connected(c)) {
        await this.connect(i, 0, true).catch(() => undefined);
      }
      const now = this.conns[i];
      const raw = now?.raw;
      if (raw && connected(now)) {
        raw.send(encodeRequest(BARRIER_XID_BASE - 1, { op: 'closeSession' }));
        await raw.closedWithin(REPLY_TIMEOUT_MS);
      }
      raw?.close();
    }
  }
}

function pushPending(conn: Conn, xid: number, kind: ReplyKind): void {
  const q = conn.pending.get(xid);
  if (q) q.push(kind);
  else conn.pending.set(xid, [kind]);
}

function takePending(conn: Conn, xid: number): ReplyKind | undefined {
  const q = conn.pending.get(xid);
  if (!q) return undefined;
  const k = q.shift();
  if (q.length === 0) conn.pending.delete(xid);
  return k;
}
