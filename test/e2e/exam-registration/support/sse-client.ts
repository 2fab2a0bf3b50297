/**
 * A minimal EventSource for tests over node:http (one socket per client, so 500 clients are 500
 * connections like 500 browsers): parses `id:` / `event:` / `data:` frames and comments, and can
 * reconnect elsewhere with Last-Event-ID.
 */
import http from 'node:http';

export interface ReceivedEvent {
  id: string | undefined;
  event: string;
  data: string;
  /** Date.now() at receipt: the same clock as X-Coordinator-Ack-Ms on this host (performance.timeOrigin drifts between processes). */
  at: number;
}

export class SseClient {
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  lastEventId: string | undefined;
  private req: http.ClientRequest | undefined;
  private res: http.IncomingMessage | undefined;
  private listeners = new Set<(e: ReceivedEvent) => void>();
  private closedWaiters = new Set<() => void>();
  status: number | undefined;

  /** Connects and resolves once the response headers arrived (status in `status`). */
  connect(url: string, headers: Record<string, string> = {}): Promise<void> {
    this.close();
    const h: Record<string, string> = { Accept: 'text/event-stream', ...headers };
    if (this.lastEventId !== undefined) h['Last-Event-ID'] = this.lastEventId;
    return new Promise((resolve, reject) => {
      const req = http.get(url, { headers: h, agent: false }, (res) => {
        this.res = res;
        this.status = res.statusCode;
        res.setEncoding('utf8');
        let buf = '';
        res.on('data', (chunk: string) => {
          buf += chunk;
          let idx: number;
          while ((idx = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, idx);
            buf = buf.slice(idx + 2);
            this.onBlock(block);
          }
        });
        const ended = () => {
          for (const w of this.closedWaiters) w();
          this.closedWaiters.clear();
        };
        res.on('end', ended);
        res.on('close', ended);
        resolve();
      });
      req.on('error', (err) => {
        for (const w of this.closedWaiters) w();
        reject(err);
      });
      this.req = req;
    });
  }

  private onBlock(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    let any = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).trim());
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') {
        data.push(value);
        any = true;
      }
    }
    if (id !== undefined) this.lastEventId = id;
    if (!any) return;
    const e: ReceivedEvent = {
      id,
      event,
      data: data.join('\n'),
      at: performance.timeOrigin + performance.now(),
    };
    this.events.push(e);
    for (const fn of this.listeners) fn(e);
  }

  /** Resolves with the first event (already received or future) matching `pred`. */
  waitFor(pred: (e: ReceivedEvent) => boolean, timeoutMs = 15_000): Promise<ReceivedEvent> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(fn);
        reject(new Error(`no matching SSE event within ${timeoutMs} ms (got ${this.events.length})`));
      }, timeoutMs);
      const fn = (e: ReceivedEvent) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        this.listeners.delete(fn);
        resolve(e);
      };
      this.listeners.add(fn);
    });
  }

  /** Resolves when the server ends the stream. */
  closed(): Promise<void> {
    return new Promise((r) => this.closedWaiters.add(r));
  }

  close(): void {
    this.req?.destroy();
    this.res?.destroy();
    this.req = undefined;
    this.res = undefined;
  }
}

/** Percentile of sorted values (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
