/**
 * A bare ZooKeeper session over a socket, built on our protocol codec: tests use it to send exact
 * frames (valid, malformed or hostile) and read exact replies, which no real client lets us do.
 */
import { connect, type Socket } from 'node:net';
import {
  decodeConnectResponse,
  encodeConnectRequest,
} from '../../libs/coordination/src/protocol/connect-codec.js';
import { encodeFrame, FrameDecoder } from '../../libs/coordination/src/protocol/frame-decoder.js';
import { JuteReader } from '../../libs/coordination/src/protocol/jute-reader.js';
import type {
  ConnectRequest,
  ConnectResponse,
  Request,
} from '../../libs/coordination/src/protocol/records.js';
import { encodeRequest } from '../../libs/coordination/src/protocol/request-codec.js';

export interface RawReply {
  xid: number;
  zxid: number;
  err: number;
  body: Buffer;
}

export class RawSession {
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private readonly frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  private xid = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      try {
        for (const f of this.decoder.push(chunk)) this.frames.push(f);
      } catch {
        socket.destroy();
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Opens a TCP connection without any handshake. */
  static open(port: number): Promise<RawSession> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawSession(s)));
      s.once('error', reject);
    });
  }

  /** Opens a connection and establishes a new session. */
  static async session(
    port: number,
    timeOut = 4000,
  ): Promise<{ raw: RawSession; response: ConnectResponse }> {
    const { raw, response } = await RawSession.handshake(port, { timeOut });
    if (!response) throw new Error('no ConnectResponse');
    return { raw, response };
  }

  /**
   * Sends a ConnectRequest (defaults: new session) and returns the response, or undefined when
   * the server closed the connection without one.
   */
  static async handshake(
    port: number,
    req: Partial<ConnectRequest>,
  ): Promise<{ raw: RawSession; response: ConnectResponse | undefined }> {
    const raw = await RawSession.open(port);
    raw.send(
      encodeFrame(
        encodeConnectRequest({
          protocolVersion: 0,
          lastZxidSeen: 0,
          timeOut: 4000,
          sessionId: 0n,
          passwd: Buffer.alloc(16),
          readOnly: false,
          ...req,
        }),
      ),
    );
    const frame = await raw.nextFrame(5000);
    return { raw, response: frame ? decodeConnectResponse(frame) : undefined };
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Sends a request with the next xid; returns that xid. */
  request(request: Request): number {
    const xid = this.xid++;
    this.send(encodeRequest(xid, request));
    return xid;
  }

  /** The next frame, or undefined if the connection closed or `ms` passed first. */
  async nextFrame(ms = 3000): Promise<Buffer | undefined> {
    const deadline = Date.now() + ms;
    while (this.frames.length === 0) {
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift();
  }

  /** Every frame that arrives within `ms`, decoded as reply header + body. */
  async collect(ms: number): Promise<RawReply[]> {
    const out: RawReply[] = [];
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return out;
      const f = await this.nextFrame(left);
      if (!f) return out;
      const r = new JuteReader(f);
      out.push({ xid: r.int(), zxid: r.zxid(), err: r.int(), body: f.subarray(16) });
    }
  }

  /** Sends several requests in ONE socket write (pipelined); returns their xids. */
  burst(requests: Request[]): number[] {
    const xids: number[] = [];
    const frames = requests.map((r) => {
      const xid = this.xid++;
      xids.push(xid);
      return encodeRequest(xid, r);
    });
    this.send(Buffer.concat(frames));
    return xids;
  }

  /** The next reply that is not a watch notification. */
  async reply(ms = 3000): Promise<RawReply | undefined> {
    for (;;) {
      const f = await this.nextFrame(ms);
      if (!f) return undefined;
      const r = new JuteReader(f);
      const xid = r.int();
      const zxid = r.zxid();
      const err = r.int();
      if (xid === -1) continue;
      return { xid, zxid, err, body: f.subarray(16) };
    }
  }

  /** Sends `request` and waits for its reply. */
  async call(request: Request, ms = 3000): Promise<RawReply | undefined> {
    this.request(request);
    return this.reply(ms);
  }

  /** Resolves true once the server has closed the connection (within `ms`). */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.closed && Date.now() < deadline) {
      await this.nextFrame(Math.max(1, deadline - Date.now()));
    }
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
