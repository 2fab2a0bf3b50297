/**
 * Request plumbing: xids and the requests awaiting replies. ZooKeeper answers a connection's
 * requests in the order they were sent, so the requests in flight are a FIFO and a reply always
 * belongs to the oldest one; no map by xid and no per-request timer is needed (a lost connection
 * fails them all at once). Requests made while no session is usable wait in a second queue and are
 * sent, in order, after the next handshake.
 */
import { CoordinationError, RuntimeInconsistencyError, errorFromCode } from '../protocol/errors.js';
import type { Request, Response } from '../protocol/records.js';
import { encodeRequest } from '../protocol/request-codec.js';

/** One request of the application, from the call until its reply (or failure). */
export interface PendingRequest {
  /** Assigned when sent; 0 while waiting for a connection. */
  xid: number;
  op: Request['op'];
  /** The request until it is encoded (then dropped so a long queue holds bytes only once). */
  request: Request | undefined;
  /** Client path, for error messages. */
  path: string | undefined;
  /** NONODE resolves with null instead of rejecting (exists). */
  noNodeOk: boolean;
  /** Runs synchronously when the reply arrives, before later frames: registers watches. */
  onReply: ((err: number) => void) | undefined;
  resolve: (res: Response | null) => void;
  reject: (err: Error) => void;
}

/**
 * A reply that does not answer the oldest request in flight: the server broke the protocol (or
 * the stream was corrupted), so nothing more on this connection can be trusted.
 */
export class ReplyOutOfOrderError extends RuntimeInconsistencyError {
  constructor(
    readonly replyXid: number,
    readonly expectedXid: number | undefined,
  ) {
    super(undefined, {
      xid: replyXid,
      detail:
        expectedXid === undefined
          ? `reply xid ${replyXid} with nothing pending`
          : `reply xid ${replyXid}, expected ${expectedXid}`,
    });
  }
}

/** Largest xid before wrapping to 1 (negative xids are the protocol's own: ping, auth, ...). */
const MAX_XID = 0x7fffffff;
/** Compact the in-flight array once this many answered slots lead it (and they are most of it). */
const COMPACT_AFTER = 1024;

/**
 * @example
 *   const p = pending.toSend(request);      // assigns the xid, returns the frame
 *   connection.write(p);
 *   const answered = pending.answer(header.xid); // on a reply: the request it belongs to
 */
export class PendingRequests {
  /** Sent, awaiting replies, in send order: a deque whose oldest entry is at `head`. */
  private inFlight: Array<PendingRequest | undefined> = [];
  private head = 0;
  /** Not sent yet: made while disconnected or handshaking. */
  private waiting: PendingRequest[] = [];

  /** @param xid the xid of the last request sent (0: none yet). */
  constructor(private xid = 0) {}

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.length - this.head;
  }

  /** Requests waiting for a connection. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Assigns the next xid, records the request as in flight and returns its frame. */
  toSend(p: PendingRequest): Buffer {
    this.xid = this.xid >= MAX_XID ? 1 : this.xid + 1;
    p.xid = this.xid;
    const frame = encodeRequest(p.xid, p.request!);
    p.request = undefined;
    this.inFlight.push(p);
    return frame;
  }

  /** Keeps a request until a session is usable. */
  hold(p: PendingRequest): void {
    this.waiting.push(p);
  }

  /** The waiting requests, in call order, removed from the queue (to be sent now). */
  takeWaiting(): PendingRequest[] {
    const waiting = this.waiting;
    this.waiting = [];
    return waiting;
  }

  /**
   * The request a reply with `xid` answers, removed from the queue.
   * @throws ReplyOutOfOrderError when it is not the oldest in flight
   */
  answer(xid: number): PendingRequest {
    if (this.head >= this.inFlight.length) throw new ReplyOutOfOrderError(xid, undefined);
    const p = this.inFlight[this.head]!;
    if (p.xid !== xid) throw new ReplyOutOfOrderError(xid, p.xid);
    this.inFlight[this.head++] = undefined;
    if (this.head > COMPACT_AFTER && this.head * 2 > this.inFlight.length) {
      this.inFlight = this.inFlight.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  /** Rejects every request in flight (the connection is gone), oldest first. */
  failInFlight(make: () => Error): void {
    const inFlight = this.inFlight;
    const head = this.head;
    this.inFlight = [];
    this.head = 0;
    for (let i = head; i < inFlight.length; i++) reject(inFlight[i]!, make());
  }

  /** Rejects every waiting request (the session is over), in call order. */
  failWaiting(make: () => Error): void {
    for (const p of this.takeWaiting()) reject(p, make());
  }
}

/** A coordination error is re-made for the request's path, so messages name the node. */
function reject(p: PendingRequest, err: Error): void {
  p.reject(p.path !== undefined && err instanceof CoordinationError ? errorFromCode(err.code, p.path) : err);
}
