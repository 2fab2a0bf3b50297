/**
 * One receive-only connection accepted on the quorum or election port. It first reads the fixed-size
 * hello (without the general frame decoder, so an unauthenticated caller cannot make us buffer a
 * 64 MiB "frame"), then decodes length-prefixed ZAB messages. Anything malformed — a bad hello, an
 * oversized frame, a frame the codec rejects — closes this connection only; the sender redials.
 */
import type { Socket } from 'node:net';

import { FrameDecoder } from '../../protocol/frame-decoder.js';
import { decodeZabMessage } from '../../zab/message-codec.js';
import type { ZabMessage } from '../../zab/messages.js';
import { HELLO_FRAME_BYTES, decodeHello, type LinkKind } from './link-hello.js';

/** A caller that has not said hello by then is not a member: drop it. */
const HELLO_TIMEOUT_MS = 5000;

export interface InboundLinkOptions {
  readonly myId: number;
  readonly kind: LinkKind;
  readonly maxFrameBytes: number;
  /** True for a configured member other than me. */
  readonly isPeer: (id: number) => boolean;
  /** The hello was valid; `link.peer` is set. */
  readonly onIdentified: (link: InboundLink) => void;
  readonly onMessage: (from: number, msg: ZabMessage) => void;
  readonly onBytes: (from: number, bytes: number) => void;
  readonly onClose: (link: InboundLink) => void;
}

export class InboundLink {
  /** The sender's id once its hello was accepted, else -1. */
  peer = -1;
  /** Why we closed the connection, for diagnostics (undefined when the peer closed it). */
  closeReason: string | undefined;
  private helloParts: Buffer[] = [];
  private helloBytes = 0;
  private decoder: FrameDecoder | undefined;

  constructor(
    readonly socket: Socket,
    private readonly opts: InboundLinkOptions,
  ) {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5000);
    socket.setTimeout(HELLO_TIMEOUT_MS, () => this.reject('no hello in time'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.once('close', () => opts.onClose(this));
  }

  /** Closes the connection (idempotent). */
  reject(reason: string): void {
    if (this.socket.destroyed) return;
    this.closeReason = reason;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.socket.destroyed) return;
    let rest = chunk;
    if (this.decoder === undefined) {
      rest = this.readHello(chunk);
      if (this.decoder === undefined || this.socket.destroyed) return;
    }
    this.opts.onBytes(this.peer, chunk.length);
    if (rest.length === 0) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(rest);
    } catch (e) {
      this.reject((e as Error).message);
      return;
    }
    for (const frame of frames) {
      let msg: ZabMessage;
      try {
        msg = decodeZabMessage(frame);
      } catch (e) {
        this.reject((e as Error).message);
        return;
      }
      this.opts.onMessage(this.peer, msg);
      // A listener may have stopped the links or replaced this connection meanwhile.
      if (this.socket.destroyed) return;
    }
  }

  /** Consumes hello bytes from `chunk`; returns what follows the hello (empty if still incomplete). */
  private readHello(chunk: Buffer): Buffer {
    const take = Math.min(HELLO_FRAME_BYTES - this.helloBytes, chunk.length);
    this.helloParts.push(chunk.subarray(0, take));
    this.helloBytes += take;
    if (this.helloBytes < HELLO_FRAME_BYTES) return chunk.subarray(chunk.length);
    const hello = decodeHello(Buffer.concat(this.helloParts, HELLO_FRAME_BYTES));
    this.helloParts = [];
    if (typeof hello === 'string') return this.rejected(hello);
    if (hello.kind !== this.opts.kind)
      return this.rejected(`${hello.kind} hello on the ${this.opts.kind} port`);
    if (hello.to !== this.opts.myId)
      return this.rejected(`hello for member ${hello.to}, I am ${this.opts.myId}`);
    if (!this.opts.isPeer(hello.from)) return this.rejected(`hello from unknown member ${hello.from}`);
    this.peer = hello.from;
    this.decoder = new FrameDecoder(this.opts.maxFrameBytes);
    this.socket.setTimeout(0);
    this.opts.onIdentified(this);
    return chunk.subarray(take);
  }

  private rejected(reason: string): Buffer {
    this.reject(reason);
    return Buffer.alloc(0);
  }
}
