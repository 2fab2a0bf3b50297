/**
 * One client TCP connection. Wires socket events to the member and keeps ZooKeeper's ordering
 * promises: replies leave in request order (reads queue behind the session's own pending
 * writes), and a watch event is queued before any later reply that could reveal the change.
 */
import type { Socket } from 'node:net';
import { ErrorCode, OpCode, Perms, Xid } from '../protocol/constants.js';
import { decodeConnectRequest, encodeConnectResponse } from '../protocol/connect-codec.js';
import { CoordinationError, MarshallingError, UnimplementedError } from '../protocol/errors.js';
import { detectFourLetterWord } from '../protocol/four-letter-words.js';
import { encodeFrame, FrameDecoder } from '../protocol/frame-decoder.js';
import { JuteReader } from '../protocol/jute-reader.js';
import { JuteWriter } from '../protocol/jute-writer.js';
import { writeMultiHeader, writeReplyHeader } from '../protocol/record-codec.js';
import type { ACL, ConnectRequest, Id, Request, Response, WatcherEvent } from '../protocol/records.js';
import { decodeRequest, WrongMultiKindError } from '../protocol/request-codec.js';
import { encodeNotification, encodeReply } from '../protocol/response-codec.js';
import { checkAcl, digestAuth } from '../tree/acl.js';
import type { TxnResult } from '../tree/data-tree.js';
import { isReadRequest } from './read-executor.js';
import type { Member } from './member.js';
import { ReplyQueue, type Answer, type Barrier, type PendingAnswer } from './reply-queue.js';
import type { SessionConnection } from './session-connection.js';
import { refusedOpError } from './refused-ops.js';
import { responseForTxnResult } from './txn-response.js';

type State = 'handshake' | 'creating' | 'connected' | 'closed';

/** Opcodes Apache prepares as txns (PrepRequestProcessor deserialises their bodies). */
const WRITE_OPCODES = new Set<number>([
  OpCode.create,
  OpCode.delete,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
  OpCode.create2,
  OpCode.reconfig,
  OpCode.createContainer,
  OpCode.createTTL,
]);

/** Pause reading from a client whose socket buffer holds this much unsent data. */
const HIGH_WATER = 4 * 1024 * 1024;

/** The op label of a request whose body did not decode (its figures are kept apart). */
const MALFORMED_OP = 'malformed';

export interface ConnectionHost {
  member: Member;
  fourLetterWord(word: string): Promise<string> | string;
  connectionClosed(conn: ClientConnection): void;
}

export class ClientConnection implements SessionConnection {
  sessionId = 0n;
  readonly authIds: Id[];
  readonly remote: string;
  readonly connectedAt: number;
  private state: State = 'handshake';
  private readonly decoder: FrameDecoder;
  private readonly queue = new ReplyQueue();
  private early: Buffer[] = [];
  private out: Buffer[] = [];
  private flushScheduled = false;
  private firstBytes = true;
  timeoutMs = 0;
  lastZxidSent = 0;
  packetsReceived = 0;
  packetsSent = 0;
  lastOp = 'NA';
  private readonly member: Member;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.member = host.member;
    this.connectedAt = this.member.clock.now();
    this.decoder = new FrameDecoder(this.member.config.maxPacket);
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    // Every connection carries its address as an ip identity (ZooKeeper's IPAuthenticationProvider).
    this.authIds = [{ scheme: 'ip', id: normalizeIp(socket.remoteAddress ?? '') }];
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('drain', () => socket.resume());
  }

  /** A method, not a field test: handlers called in the loop above may close us. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  get outstanding(): number {
    return this.queue.length;
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    if (this.firstBytes) {
      this.firstBytes = false;
      const word = chunk.length >= 4 ? detectFourLetterWord(chunk.subarray(0, 4)) : null;
      if (word) return void this.answerFourLetterWord(word);
    }
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch {
      // A length we will not buffer (over jute.maxbuffer, or negative): drop only this client.
      return this.close();
    }
    for (const frame of frames) {
      if (this.isClosed()) return;
      this.onFrame(frame);
    }
  }

  private async answerFourLetterWord(word: string): Promise<void> {
    try {
      const text = await this.host.fourLetterWord(word);
      this.socket.end(text);
    } catch {
      this.socket.destroy();
    }
    this.close();
  }

  private onFrame(frame: Buffer): void {
    this.packetsReceived++;
    this.member.stats.packetsReceived++;
    if (this.state === 'handshake') return this.onConnect(frame);
    if (this.state === 'creating') {
      // Clients pipeline auth and setWatches right behind the ConnectRequest.
      this.early.push(frame);
      return;
    }
    this.onRequestFrame(frame);
  }

  private onConnect(frame: Buffer): void {
    let req: ConnectRequest;
    try {
      req = decodeConnectRequest(frame);
    } catch {
      return this.close();
    }
    if (!this.member.isServing) {
      // LOOKING or syncing: the client must find a member that serves.
      return this.close();
    }
    if (req.lastZxidSeen > this.member.lastZxid) {
      // The client has seen a newer state than ours: it must find another member.
      return this.close();
    }
    const timeout = this.member.sessions.negotiateTimeout(req.timeOut);
    if (req.sessionId === 0n) {
      this.state = 'creating';
      this.member.sessions.create(timeout, (id, passwd) => {
        if (this.state === 'closed') return;
        this.established(id, timeout, passwd, req.readOnly);
      });
      return;
    }
    const session = this.member.sessions.revalidate(req.sessionId, req.passwd);
    if (!session) {
      this.sendRaw(
        encodeFrame(
          encodeConnectResponse({
            protocolVersion: 0,
            timeOut: 0,
            sessionId: 0n,
            passwd: Buffer.alloc(16),
            readOnly: req.readOnly === undefined ? undefined : false,
          }),
        ),
      );
      return this.closeAfterFlush();
    }
    // The leader must know this member owns the session before the client hears it resumed, so a
    // write still arriving through the member it left fails SESSIONMOVED (ZooKeeper: REVALIDATE).
    this.state = 'creating';
    this.member.router.claimSession(req.sessionId, (ok) => {
      if (this.state === 'closed') return;
      if (!ok) return this.close();
      this.established(req.sessionId, session.timeoutMs, req.passwd, req.readOnly);
    });
  }

  private established(id: bigint, timeoutMs: number, passwd: Buffer, readOnly: boolean | undefined): void {
    this.sessionId = id;
    this.timeoutMs = timeoutMs;
    this.state = 'connected';
    this.member.sessions.attach(this);
    this.sendRaw(
      encodeFrame(
        encodeConnectResponse({
          protocolVersion: 0,
          timeOut: timeoutMs,
          sessionId: id,
          passwd,
          readOnly: readOnly === undefined ? undefined : false,
        }),
      ),
    );
    // A resumed session may still have writes in flight from its previous connection: everything
    // on this one waits behind them, as ZooKeeper keeps a session's order across reconnects.
    let barrier: Barrier | undefined;
    const waiting = this.member.pipeline.afterSessionWrites(id, () => {
      barrier?.release();
      this.drain();
    });
    if (waiting) barrier = this.queue.barrier(this.member.clock.now());
    const early = this.early;
    this.early = [];
    for (const f of early) {
      if (this.state !== 'connected') return;
      this.onRequestFrame(f);
    }
  }

  private onRequestFrame(frame: Buffer): void {
    const now = this.member.clock.now();
    if (!this.member.sessions.touch(this.sessionId, now)) {
      // The session expired (or is closing) under a live connection.
      return this.close();
    }
    // auth and sasl are answered by the I/O layer (ZooKeeperServer.processPacket), not the request
    // pipeline: a body that does not decode drops the connection without a reply.
    const type = frame.length >= 8 ? frame.readInt32BE(4) : undefined;
    if (type === OpCode.sasl) return this.onSasl(frame);
    const refused = type === undefined ? undefined : refusedOpError(type);
    if (refused !== undefined && frame.length >= 8) {
      const xid = frame.readInt32BE(0);
      this.lastOp = type === OpCode.createSession ? 'createSession' : 'deleteContainer';
      const pending = this.queue.awaiting(now, this.lastOp);
      this.member.router.refusedWrite(this, xid, frame, refused, (r) =>
        this.txnDone(pending, xid, { op: 'ping' }, r),
      );
      return;
    }
    let header: { xid: number; type: number };
    let request: Request;
    try {
      ({ header, request } = decodeRequest(frame));
    } catch (e) {
      const xid = e instanceof CoordinationError ? (e as { xid?: number }).xid : undefined;
      if (e instanceof UnimplementedError) {
        // ZooKeeper answers UNIMPLEMENTED with zxid -1 and drops the connection (observed, 3.8.0).
        if (xid !== undefined) this.sendRaw(encodeReply({ xid, zxid: -1, err: ErrorCode.UNIMPLEMENTED }));
        return this.closeAfterFlush();
      }
      if (e instanceof MarshallingError && xid !== undefined && type !== OpCode.auth) {
        return this.onUndecodable(xid, type!, frame, e.cause instanceof WrongMultiKindError);
      }
      return this.close();
    }
    this.lastOp = request.op;
    const xid = header.xid;
    if (request.op === 'auth') return this.onAuth(xid, request.scheme, request.auth);
    if (request.op === 'closeSession') {
      const pending = this.queue.awaiting(now, request.op);
      this.member.sessions.close(this.sessionId, xid, (r) => this.txnDone(pending, xid, request, r));
      return;
    }
    if (
      (request.op === 'sync' || isReadRequest(request)) &&
      this.member.router.sessionMovedAway(this.sessionId)
    ) {
      // On the leader every request passes PrepRequestProcessor's owner check, reads and pings too:
      // a session that moved to another member loses this connection, in request order, unanswered.
      this.queue.ready(now, { close: true }, request.op);
      return this.drain();
    }
    if (request.op === 'sync') {
      const pending = this.queue.awaiting(now, request.op);
      const path = request.path;
      this.member.router.sync(() => {
        pending.answer({ reply: this.encode(xid, ErrorCode.OK, { op: 'sync', path }) });
        this.drain();
      });
      return;
    }
    if (isReadRequest(request)) {
      // A ping is answered on xid -2 whatever xid it carried (FinalRequestProcessor, observed 3.8.0).
      const replyXid = request.op === 'ping' ? Xid.ping : xid;
      this.queue.read(now, () => this.runRead(replyXid, request), request.op);
      return this.drain();
    }
    const pending = this.queue.awaiting(now, request.op);
    this.member.router.clientWrite(this, xid, request, frame, (r) => this.txnDone(pending, xid, request, r));
  }

  /**
   * Auth is answered at once, outside the request order, on the request's own xid and with zxid 0,
   * as ZooKeeperServer.processPacket does (`new ReplyHeader(h.getXid(), 0, ...)`): the Java client
   * happens to send -4, other clients may not. A scheme without a provider fails the connection.
   */
  private onAuth(xid: number, scheme: string, auth: Buffer): void {
    if (scheme === 'digest') {
      const id = digestAuth(auth.toString('utf8'));
      // Identical ids are kept once (ServerCnxn.addAuthInfo); two passwords for one user are two ids.
      if (!this.authIds.some((i) => i.scheme === 'digest' && i.id === id))
        this.authIds.push({ scheme: 'digest', id });
      const superDigest = this.member.config.superDigest;
      if (superDigest && id === superDigest && !this.authIds.some((i) => i.scheme === 'super')) {
        this.authIds.push({ scheme: 'super', id: '' });
      }
      this.sendRaw(encodeReply({ xid, zxid: 0, err: ErrorCode.OK }));
      return;
    }
    if (scheme === 'ip') {
      // IPAuthenticationProvider adds the connection's own address, which every connection holds already.
      this.sendRaw(encodeReply({ xid, zxid: 0, err: ErrorCode.OK }));
      return;
    }
    this.sendRaw(encodeReply({ xid, zxid: 0, err: ErrorCode.AUTHFAILED }));
    this.closeAfterFlush();
  }

  /**
   * SASL is not configured here, as on a stock ZooKeeper: processSasl finds no SASL server and
   * answers OK with a null token (SetSASLResponse, buffer length -1) on the request's xid, zxid 0.
   * A body that is not a GetSASLRequest drops the connection.
   */
  private onSasl(frame: Buffer): void {
    const r = new JuteReader(frame);
    let xid: number;
    try {
      xid = r.int();
      r.int();
      r.buffer();
    } catch {
      return this.close();
    }
    this.lastOp = 'sasl';
    const w = new JuteWriter(32);
    writeReplyHeader(w, { xid, zxid: 0, err: ErrorCode.OK });
    w.buffer(null);
    this.sendRaw(w.toFrame());
  }

  /**
   * A request whose body does not decode. Apache deserialises writes in PrepRequestProcessor, so
   * they fail through an error txn (and take a zxid); reads fail in FinalRequestProcessor without
   * one, and a multiRead of writes answers with an empty MultiResponse behind the error (observed).
   */
  private onUndecodable(xid: number, type: number, frame: Buffer, wrongKind: boolean): void {
    if (WRITE_OPCODES.has(type)) {
      const pending = this.queue.awaiting(this.member.clock.now(), MALFORMED_OP);
      this.member.router.refusedWrite(this, xid, frame, ErrorCode.MARSHALLINGERROR, (r) =>
        this.txnDone(pending, xid, { op: 'ping' }, r),
      );
      return;
    }
    if (type === OpCode.multiRead && wrongKind) {
      // Only a multiRead of writes decodes far enough for its (empty) MultiResponse to be sent.
      const w = new JuteWriter(32);
      writeReplyHeader(w, { xid, zxid: this.member.lastZxid, err: ErrorCode.MARSHALLINGERROR });
      writeMultiHeader(w, { type: -1, done: true, err: -1 });
      return this.enqueueReply(w.toFrame());
    }
    this.enqueueDone(xid, ErrorCode.MARSHALLINGERROR);
  }

  private enqueueReply(reply: Buffer): void {
    this.queue.ready(this.member.clock.now(), { reply }, MALFORMED_OP);
    this.drain();
  }

  private enqueueDone(xid: number, err: number): void {
    this.enqueueReply(this.encode(xid, err));
  }

  /** Sends every answer at the head of the queue that is ready (reads reaching the head run). */
  private drain(): void {
    if (this.state === 'closed') return;
    this.drainedAt = undefined;
    this.queue.take(this.sendAnswer);
  }

  /** The clock read once per drain, at its first answer (for the latency figures). */
  private drainedAt: number | undefined;

  private readonly sendAnswer = (answer: Answer, receivedAt: number, op: string): void => {
    this.drainedAt ??= this.member.clock.now();
    const ms = this.drainedAt - receivedAt;
    this.recordLatency(ms);
    this.member.events.requestAnswered?.(op, ms);
    if ('close' in answer) return this.closeAfterFlush();
    if ('silent' in answer) return;
    this.sendRaw(answer.reply);
    if (answer.thenClose) this.closeAfterFlush();
  };

  private runRead(xid: number, request: Request): Answer {
    const outcome = this.member.reads.execute(request, {
      watcher: this,
      sessionId: this.sessionId,
      authIds: this.authIds,
    });
    if (outcome.notifications) for (const n of outcome.notifications) n.watcher.deliver(n.event);
    return { reply: this.encode(xid, outcome.err, outcome.response) };
  }

  /** The txn of a write (or closeSession) of this connection was applied: answer it in its place. */
  private txnDone(pending: PendingAnswer, xid: number, request: Request, result: TxnResult): void {
    if (this.state === 'closed') return;
    if (result.type === 'error' && result.err === ErrorCode.SESSIONMOVED) {
      // The session moved to another member: Apache's FinalRequestProcessor treats this as a
      // connection-level error and closes the connection without answering (ZOOKEEPER-710).
      pending.answer({ close: true });
    } else if (request.op === 'check' && result.type !== 'error') {
      // A top-level check that passes is applied as a txn but never answered by Apache 3.8.0 (its
      // FinalRequestProcessor has no reply for it; observed): the client's request simply hangs.
      pending.answer({ silent: true });
    } else {
      const { err, response } = responseForTxnResult(request, result);
      pending.answer({ reply: this.encode(xid, err, response), thenClose: request.op === 'closeSession' });
    }
    this.drain();
  }

  deliver(event: WatcherEvent, acl?: readonly ACL[]): void {
    if (this.state !== 'connected') return;
    // The watch fired (and a one-shot watch is gone), but the event only reaches a watcher that
    // may READ the node, as Apache ZooKeeper 3.8 delivers it (observed; test/interop/special-xids).
    if (acl && !checkAcl(acl, Perms.READ, this.authIds)) return;
    this.push(encodeNotification(event));
  }

  sessionEnded(): void {
    this.closeAfterFlush();
  }

  private encode(xid: number, err: number, response?: Response): Buffer {
    const zxid = this.member.lastZxid;
    this.lastZxidSent = zxid;
    return encodeReply({ xid, zxid, err }, err === ErrorCode.OK ? response : undefined);
  }

  private recordLatency(ms: number): void {
    const s = this.member.stats;
    if (ms < s.minLatency) s.minLatency = ms;
    if (ms > s.maxLatency) s.maxLatency = ms;
    s.totalLatency += ms;
    s.latencyCount++;
  }

  private sendRaw(buf: Buffer): void {
    this.packetsSent++;
    this.member.stats.packetsSent++;
    this.push(buf);
  }

  /** Batch everything produced in one turn of the event loop into one socket write. */
  private push(buf: Buffer): void {
    if (this.state === 'closed') return;
    this.out.push(buf);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.socket.destroyed) return;
    const data = this.out.length === 1 ? this.out[0] : Buffer.concat(this.out);
    this.out = [];
    if (!this.socket.write(data) && this.socket.writableLength > HIGH_WATER) this.socket.pause();
  }

  private closeAfterFlush(): void {
    if (this.state === 'closed') return;
    this.flush();
    this.state = 'closed';
    this.socket.end();
    this.finish();
  }

  close(): void {
    if (this.state === 'closed') {
      this.finish();
      return;
    }
    this.state = 'closed';
    this.socket.destroy();
    this.finish();
  }

  private finished = false;
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.sessionId !== 0n) this.member.sessions.detach(this);
    this.host.connectionClosed(this);
  }
}

function normalizeIp(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}
