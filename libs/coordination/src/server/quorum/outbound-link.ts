/**
 * One send-only TCP connection to one peer's quorum or election port. It owns a bounded queue of
 * encoded messages, dials lazily on the first message, keeps redialling with backoff once used (until
 * closed), and writes everything queued in one batch per event-loop turn: every Ready produced while the
 * turn's I/O callbacks run shares one syscall instead of one per message or per callback.
 *
 * Bounding: the queue holds at most `maxQueuedBytes` (frame bytes, prefix included). When a new frame
 * does not fit, the OLDEST queued frames are dropped: while a peer is away its oldest messages (stale
 * votes, pings, proposals it will get again through DIFF/SNAP) are the least useful, and ZAB copes with
 * loss. A frame bigger than the whole bound is dropped itself. Bytes already handed to the socket are
 * not counted: we only hand a batch over when the socket is not asking us to wait ('drain').
 */
import { connect, type Socket } from 'node:net';

import { backoffDelay } from '../../backoff.js';
import { encodeHello, type LinkKind } from './link-hello.js';

/** Frames of this size or more are written as their own buffer instead of being copied into a batch. */
const LARGE_PAYLOAD = 64 * 1024;
/** Target size of one copied batch segment. */
const SEGMENT_BYTES = 256 * 1024;
/** A dial that has not completed by then is abandoned (a black-holed host would otherwise hang ~2 min). */
const CONNECT_TIMEOUT_MS = 5000;
/** TCP keepalive probes notice a peer host that vanished while the link was idle. */
const KEEPALIVE_MS = 5000;

export interface OutboundLinkOptions {
  readonly myId: number;
  readonly peerId: number;
  readonly kind: LinkKind;
  readonly host: string;
  readonly port: number;
  readonly maxQueuedBytes: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly rng: () => number;
  /** milliseconds; only differences are used (how long the link stayed up) */
  readonly now: () => number;
  /** Called when the link becomes usable (connected, hello written). */
  readonly onUp: () => void;
  /** Called once when a link that was up goes down (never after close()). */
  readonly onDown: () => void;
}

export class OutboundLink {
  /** Payloads waiting to be written, from index `head` on (dropped-oldest slots are skipped). */
  private queue: Buffer[] = [];
  private head = 0;
  private queuedBytes = 0;
  private roomWaiters: { bytes: number; resolve: () => void }[] = [];
  private socket: Socket | undefined;
  private isUp = false;
  private upSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private dialled = false;
  private flushScheduled = false;
  private closed = false;
  private readonly hello: Buffer;

  /** Bytes handed to the socket (frames and hello). */
  sentBytes = 0;
  /** Connection attempts after the first one. */
  reconnects = 0;
  /** Messages dropped because the queue bound was hit. */
  dropped = 0;

  constructor(private readonly opts: OutboundLinkOptions) {
    this.hello = encodeHello({ kind: opts.kind, from: opts.myId, to: opts.peerId });
  }

  get up(): boolean {
    return this.isUp;
  }

  get queued(): number {
    return this.queuedBytes;
  }

  /**
   * Resolves once at most `bytes` are queued (at once if so already), or when the link closes: a
   * bulk sender (a SNAP stream) waits on this instead of polling, and re-checks whether it is
   * still wanted when it wakes.
   */
  whenQueuedAtMost(bytes: number): Promise<void> {
    if (this.closed || this.queuedBytes <= bytes) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ bytes, resolve }));
  }

  /** Queues one encoded message (payload without length prefix); dials if not yet dialled. */
  enqueue(payload: Buffer): void {
    if (this.closed) return;
    const size = 4 + payload.length;
    if (size > this.opts.maxQueuedBytes) {
      this.dropped++;
      return;
    }
    while (this.queuedBytes + size > this.opts.maxQueuedBytes) this.dropOldest();
    this.queue.push(payload);
    this.queuedBytes += size;
    if (!this.dialled) {
      this.dialled = true;
      this.dial();
    } else if (this.isUp && !this.flushScheduled) {
      // setImmediate, not nextTick: the flush runs once after every socket and fsync callback of this
      // event-loop turn, so the messages they all produce (proposals from several client batches, a
      // commit per ack) leave in one write instead of one per callback. Under a write load the leader
      // spent ~17% of its CPU in one-small-write-per-callback; the added delay is at most the rest of
      // the current turn.
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Drops the socket and the queue; stops redialling. Resolves once the socket is closed. */
  close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.isUp = false;
    this.wakeRoomWaiters();
    const s = this.socket;
    if (s === undefined || s.closed) return Promise.resolve();
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.destroy();
    });
  }

  private wakeRoomWaiters(): void {
    if (this.roomWaiters.length === 0) return;
    const waiting = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiting) {
      if (this.closed || this.queuedBytes <= w.bytes) w.resolve();
      else this.roomWaiters.push(w);
    }
  }

  private dropOldest(): void {
    const p = this.queue[this.head]!;
    this.queuedBytes -= 4 + p.length;
    this.head++;
    this.dropped++;
    // Compact now and then so a long outage does not keep a growing array of dropped slots.
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private dial(): void {
    this.timer = undefined;
    if (this.closed) return;
    const s = connect({ host: this.opts.host, port: this.opts.port, noDelay: true });
    this.socket = s;
    s.setTimeout(CONNECT_TIMEOUT_MS, () => s.destroy());
    s.once('connect', () => {
      s.setTimeout(0);
      s.setKeepAlive(true, KEEPALIVE_MS);
      s.write(this.hello);
      this.sentBytes += this.hello.length;
      this.isUp = true;
      this.upSince = this.opts.now();
      this.opts.onUp();
      this.flush();
    });
    s.on('drain', () => this.flush());
    // The peer never writes on this connection; reading lets us see its FIN promptly.
    s.resume();
    s.on('error', () => {
      // 'close' follows and handles the outage.
    });
    s.on('close', () => this.onClose(s));
  }

  private onClose(s: Socket): void {
    if (s !== this.socket) return;
    this.socket = undefined;
    const wasUp = this.isUp;
    this.isUp = false;
    if (this.closed) return;
    // A link that stayed up for a while starts its backoff afresh; one that dies right after the
    // hello (the peer rejects us) keeps backing off instead of redialling every reconnectMinMs.
    if (wasUp && this.opts.now() - this.upSince >= this.opts.reconnectMaxMs) this.attempt = 0;
    if (wasUp) this.opts.onDown();
    if (this.closed) return; // onDown may have closed us
    const delay = backoffDelay(
      this.attempt++,
      { baseMs: this.opts.reconnectMinMs, maxMs: this.opts.reconnectMaxMs },
      this.opts.rng,
    );
    this.timer = setTimeout(() => {
      this.reconnects++;
      this.dial();
    }, delay);
  }

  /** Writes everything queued, unless the socket is down or asked us to wait for 'drain'. */
  private flush(): void {
    this.flushScheduled = false;
    const s = this.socket;
    if (!this.isUp || s === undefined || s.writableNeedDrain || s.destroyed) return;
    const q = this.queue;
    const start = this.head;
    if (start >= q.length) return;
    const total = this.queuedBytes;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.sentBytes += total;
    this.wakeRoomWaiters();
    if (total <= SEGMENT_BYTES) {
      s.write(copyFrames(q, start, q.length, total));
      return;
    }
    // A big batch: copy runs of small frames into segments, write large payloads without copying.
    s.cork();
    let runStart = start;
    let runBytes = 0;
    for (let i = start; i < q.length; i++) {
      const p = q[i]!;
      if (p.length >= LARGE_PAYLOAD) {
        if (runBytes > 0) s.write(copyFrames(q, runStart, i, runBytes));
        const prefix = Buffer.allocUnsafe(4);
        prefix.writeUInt32BE(p.length, 0);
        s.write(prefix);
        s.write(p);
        runStart = i + 1;
        runBytes = 0;
        continue;
      }
      runBytes += 4 + p.length;
      if (runBytes >= SEGMENT_BYTES) {
        s.write(copyFrames(q, runStart, i + 1, runBytes));
        runStart = i + 1;
        runBytes = 0;
      }
    }
    if (runBytes > 0) s.write(copyFrames(q, runStart, q.length, runBytes));
    s.uncork();
  }
}

/** Length-prefixes payloads q[from..to) into one buffer of `bytes` bytes. */
function copyFrames(q: Buffer[], from: number, to: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let pos = 0;
  for (let i = from; i < to; i++) {
    const p = q[i]!;
    out.writeUInt32BE(p.length, pos);
    p.copy(out, pos + 4);
    pos += 4 + p.length;
  }
  return out;
}
