/**
 * A Server-Sent Events response written by hand (Nest's @Sse cannot send comments, read
 * Last-Event-ID or bound a slow client's buffer): `text/event-stream` headers, `id:` / `event:` /
 * `data:` frames, a heartbeat comment so idle streams survive proxies, and a cap on what may queue
 * for a client that does not read. Such a client is cut off: its EventSource reconnects with
 * Last-Event-ID and is brought up to date, which is cheaper than buffering without bound.
 *
 * @example
 *   @Get('events') @Public()
 *   events(@Req() req: Request, @Res() res: Response) {
 *     const stream = new SseStream(req, res, { heartbeatMs: 15_000 });
 *     const off = feed.subscribe((e) => stream.send({ id: String(e.zxid), data: e }));
 *     stream.onClose(off);
 *   }
 */
import type { Request, Response } from 'express';

export interface SseEvent {
  id?: string;
  event?: string;
  /** Serialised as JSON unless a string. */
  data: unknown;
}

export interface SseStreamOptions {
  /** Heartbeat comment interval, ms (default 15 s; 0 = none). */
  heartbeatMs?: number;
  /** `retry:` sent first: the client's reconnect delay, ms (default 1000). */
  retryMs?: number;
  /** Bytes that may wait in the socket buffer before the client is dropped (default 4 MiB). */
  maxBufferedBytes?: number;
}

function frame(e: SseEvent): string {
  const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
  let out = '';
  if (e.id !== undefined) out += `id: ${e.id.replace(/[\r\n]/g, '')}\n`;
  if (e.event !== undefined) out += `event: ${e.event.replace(/[\r\n]/g, '')}\n`;
  for (const line of data.split(/\r?\n/)) out += `data: ${line}\n`;
  return out + '\n';
}

/** The `Last-Event-ID` header (or `?lastEventId=` for clients that cannot set it), if any. */
export function lastEventId(req: Request): string | undefined {
  const h = req.headers['last-event-id'];
  if (typeof h === 'string' && h.trim() !== '') return h.trim();
  const q = req.query['lastEventId'];
  return typeof q === 'string' && q.trim() !== '' ? q.trim() : undefined;
}

export class SseStream {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout | undefined;
  private readonly closers: (() => void)[] = [];
  private readonly maxBuffered: number;

  constructor(
    req: Request,
    private readonly res: Response,
    opts: SseStreamOptions = {},
  ) {
    this.maxBuffered = opts.maxBufferedBytes ?? 4 * 1024 * 1024;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    res.write(`retry: ${opts.retryMs ?? 1000}\n\n`);
    const heartbeatMs = opts.heartbeatMs ?? 15_000;
    if (heartbeatMs > 0) {
      this.heartbeat = setInterval(() => this.comment('heartbeat'), heartbeatMs);
      this.heartbeat.unref();
    }
    const onClose = () => this.close();
    req.on('close', onClose);
    res.on('close', onClose);
    res.on('error', onClose);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes one event; false when the stream is closed (or was just closed for falling behind). */
  send(e: SseEvent): boolean {
    return this.write(frame(e));
  }

  comment(text: string): boolean {
    return this.write(`: ${text.replace(/[\r\n]/g, ' ')}\n\n`);
  }

  /** Runs `fn` once when the stream ends, whoever ends it. */
  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closers.push(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    for (const fn of this.closers.splice(0)) {
      try {
        fn();
      } catch {
        // a closer's failure must not keep the others from running
      }
    }
    if (!this.res.writableEnded) this.res.end();
  }

  private write(chunk: string): boolean {
    if (this.closed) return false;
    if (this.res.writableLength > this.maxBuffered) {
      this.close();
      return false;
    }
    this.res.write(chunk);
    return true;
  }
}
