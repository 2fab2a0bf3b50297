/** Writes a Server-Sent Events stream by hand (the gateway's own streams; proxied ones are piped). */
import type { ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;

export interface EventStream {
  send(event: string, data: unknown, id?: string): void;
  close(): void;
}

/** Starts the stream: headers flushed at once, a retry hint, a heartbeat comment against idle timeouts. */
export function openEventStream(res: ServerResponse, onClose: () => void): EventStream {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  res.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    onClose();
  };
  res.once('close', finish);
  return {
    send(event, data, id) {
      if (closed) return;
      const lines = [`event: ${event}`];
      if (id !== undefined) lines.push(`id: ${id}`);
      for (const line of JSON.stringify(data).split('\n')) lines.push(`data: ${line}`);
      res.write(lines.join('\n') + '\n\n');
    },
    close() {
      finish();
      res.end();
    },
  };
}
