/**
 * One TCP connection to one server, nothing more: connect within a bound, write the pipelined
 * handshake, split the byte stream into frames (the first is the ConnectResponse), batch writes per
 * tick, and keep the link honest with a heartbeat. It knows no session and no request; whoever
 * opened it decides what a close means (reconnect elsewhere, or nothing when it was discarded).
 *
 * Heartbeat, as ZooKeeper's client: ping when we have sent nothing for a third of the session
 * timeout, and presume the server dead when we have heard nothing for two thirds of it, so the
 * session can still be resumed on another server before it expires.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { decodeConnectResponse } from '../protocol/connect-codec.js';
import { FrameDecoder } from '../protocol/frame-decoder.js';
import type { ConnectResponse } from '../protocol/records.js';
import { encodeRequest } from '../protocol/request-codec.js';
import type { HostAddress } from './connect-string.js';
import { TickBatchedWriter } from './tick-batched-writer.js';

const PING_FRAME = encodeRequest(-2, { op: 'ping' });

/** What the opener hears from a connection; never called after `discard()`. */
export interface ConnectionHandlers {
  /** The handshake bytes, built when the TCP connection is up (so they carry the latest zxid). */
  handshake(): Buffer;
  /** The server's answer to the ConnectRequest. */
  onConnectResponse(response: ConnectResponse): void;
  /** A frame after the ConnectResponse. Throwing means the stream is corrupt: the connection drops. */
  onFrame(frame: Buffer): void;
  /** The connection is gone (refused, timed out, dropped, or closed by the server). Called once. */
  onClose(): void;
}

export interface ConnectionOptions {
  /** Bound on TCP connect plus handshake, ms. */
  connectTimeoutMs: number;
  /** Ping and dead-server detection; the heartbeat can be paused to starve the session on purpose. */
  heartbeat: Heartbeat;
}

/** Shared across a client's connections, so a pause outlives a reconnect. */
export interface Heartbeat {
  paused: boolean;
}

/**
 * @example
 *   const c = new Connection(host, { connectTimeoutMs: 5000, heartbeat: { paused: false } }, handlers);
 *   // handlers.onConnectResponse -> c.startHeartbeat(negotiatedTimeout); c.write(frame) ...
 */
export class Connection {
  private readonly socket: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly writer: TickBatchedWriter;
  private handshaking = true;
  /** Set by drop() or discard(): no more frames are handed out. */
  private stopped = false;
  /** Set by discard(): the opener no longer listens. */
  private discarded = false;
  private lastSend = 0;
  private lastRecv = 0;
  private connectTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private markClosed!: () => void;
  /** Settles when the socket has closed, however that came about. */
  readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(
    readonly host: HostAddress,
    private readonly opts: ConnectionOptions,
    private readonly handlers: ConnectionHandlers,
  ) {
    const socket = netConnect({ host: host.host, port: host.port, noDelay: true });
    this.socket = socket;
    this.writer = new TickBatchedWriter(socket, process.nextTick, () => (this.lastSend = Date.now()));
    this.connectTimer = setTimeout(() => this.drop(), opts.connectTimeoutMs);
    socket.on('connect', () => {
      if (this.stopped) return;
      socket.write(handlers.handshake());
      this.lastSend = Date.now();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {
      // 'close' follows and reports it.
    });
    socket.on('close', () => this.onSocketClose());
  }

  /** The handshake is done and the connection was not dropped: requests may be written. */
  get ready(): boolean {
    return !this.handshaking && !this.stopped;
  }

  /** Queues a frame; everything written in one tick leaves in one writev. */
  write(frame: Buffer): void {
    if (this.stopped) return;
    this.writer.write(frame);
  }

  /** Starts pinging and watching for silence, for a session of `sessionTimeoutMs`. */
  startHeartbeat(sessionTimeoutMs: number): void {
    clearInterval(this.tickTimer);
    const pingAfter = Math.floor(sessionTimeoutMs / 3);
    const deadAfter = Math.floor((sessionTimeoutMs * 2) / 3);
    this.lastRecv = Date.now();
    this.tickTimer = setInterval(
      () => {
        if (this.opts.heartbeat.paused) return;
        const now = Date.now();
        if (now - this.lastRecv > deadAfter) this.drop();
        else if (now - this.lastSend >= pingAfter) this.write(PING_FRAME);
      },
      Math.max(10, Math.floor(sessionTimeoutMs / 10)),
    );
    this.tickTimer.unref?.();
  }

  /** Closes the connection; the opener hears `onClose` (and typically reconnects). */
  drop(cause?: Error): void {
    this.stopped = true;
    this.socket.destroy(cause);
  }

  /** Sends what is queued, then half-closes (after closeSession). `onClose` follows. */
  end(): void {
    this.socket.end();
  }

  /** Closes the connection without telling the opener (it has moved on). */
  discard(): void {
    this.discarded = true;
    this.stopped = true;
    this.clearTimers();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    this.lastRecv = Date.now();
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.drop(err instanceof Error ? err : undefined);
      return;
    }
    for (const frame of frames) {
      // A handler may have dropped or discarded the connection (bad xid, auth failure, expiry).
      if (this.stopped) return;
      try {
        if (this.handshaking) this.onHandshakeReply(frame);
        else this.handlers.onFrame(frame);
      } catch (err) {
        // Undecodable bytes or a protocol violation: the stream cannot be trusted any more.
        this.drop(err instanceof Error ? err : undefined);
        return;
      }
    }
  }

  private onHandshakeReply(frame: Buffer): void {
    const response = decodeConnectResponse(frame);
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.handshaking = false;
    this.handlers.onConnectResponse(response);
  }

  private onSocketClose(): void {
    this.stopped = true;
    this.clearTimers();
    this.markClosed();
    if (!this.discarded) this.handlers.onClose();
  }

  private clearTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.tickTimer);
    this.connectTimer = undefined;
    this.tickTimer = undefined;
  }
}
