/**
 * The SSE streams this instance serves. They are ended when the instance shuts down, before the
 * HTTP server closes: an open stream would otherwise hold `server.close()` until the orchestrator
 * kills the process, and an ended stream makes the browser's EventSource reconnect at once (to
 * another instance, with Last-Event-ID).
 */
import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { SseStream } from '@registrar/platform';

@Injectable()
export class OpenStreams implements BeforeApplicationShutdown {
  private readonly streams = new Set<SseStream>();

  add(stream: SseStream): void {
    this.streams.add(stream);
    stream.onClose(() => this.streams.delete(stream));
  }

  get size(): number {
    return this.streams.size;
  }

  beforeApplicationShutdown(): void {
    // Closing deletes the stream from the set; deleting the current entry is safe in a Set walk.
    for (const s of this.streams) s.close();
  }
}
