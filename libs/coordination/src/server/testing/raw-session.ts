/**
 * A bare client session over raw frames: connect, send requests, and then simply stop (no pings),
 * as a client process that froze would. Specs use it where the real client's heartbeats would
 * keep the session alive. Test-only.
 */
import { connect, type Socket } from 'node:net';
import { decodeConnectResponse, encodeConnectRequest } from '../../protocol/connect-codec.js';
import { encodeFrame, FrameDecoder } from '../../protocol/frame-decoder.js';
import type { Request } from '../../protocol/records.js';
import { encodeRequest } from '../../protocol/request-codec.js';

export class RawSession {
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly sessionId: bigint,
    readonly timeoutMs: number,
    decoder: FrameDecoder,
  ) {
    socket.on('data', (chunk) => {
      for (const f of decoder.push(chunk)) this.frames.push(f);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
  }

  /** Opens a new session with `timeoutMs` on host:port. */
  static open(host: string, port: number, timeoutMs: number): Promise<RawSession> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const decoder = new FrameDecoder(1 << 20);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          encodeFrame(
            encodeConnectRequest({
              protocolVersion: 0,
              lastZxidSeen: 0,
              timeOut: timeoutMs,
              sessionId: 0n,
              passwd: Buffer.alloc(16),
              readOnly: false,
            }),
          ),
        );
      });
      const onData = (chunk: Buffer) => {
        const [first] = decoder.push(chunk);
        if (!first) return;
        socket.off('data', onData);
        const res = decodeConnectResponse(first);
        if (res.sessionId === 0n) return reject(new Error('session refused'));
        resolve(new RawSession(socket, res.sessionId, res.timeOut, decoder));
      };
      socket.on('data', onData);
    });
  }

  /** Sends `request` with `xid` and resolves with the next reply frame (no pipelining). */
  async call(xid: number, request: Request): Promise<{ xid: number; zxid: number; err: number }> {
    this.socket.write(encodeRequest(xid, request));
    const frame = await this.next();
    return { xid: frame.readInt32BE(0), zxid: Number(frame.readBigInt64BE(4)), err: frame.readInt32BE(12) };
  }

  /** Resolves once the server closed the connection. */
  async closedByServer(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => (this.waiter = r));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async next(): Promise<Buffer> {
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((r) => (this.waiter = r));
    }
    return this.frames.shift()!;
  }
}
