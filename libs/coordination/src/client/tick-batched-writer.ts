/**
 * Write batching for one socket: the first write of a tick corks the socket and schedules the
 * uncork for the end of that tick, so every request issued in the same tick leaves in one writev
 * (one syscall, usually one TCP segment) instead of one write per request. This is what lets a
 * burst of pipelined reads or writes cost the server one read and us one send.
 */

/** The part of a socket this needs (node:net's Socket has it). */
export interface CorkableSink {
  cork(): void;
  uncork(): void;
  write(chunk: Buffer): unknown;
}

/** Runs a callback once the current tick's synchronous work is done (process.nextTick in the client). */
export type EndOfTick = (callback: () => void) => void;

/**
 * @example
 *   const writer = new TickBatchedWriter(socket, process.nextTick, () => (lastSend = Date.now()));
 *   writer.write(frameA); writer.write(frameB); // one writev when the tick ends
 */
export class TickBatchedWriter {
  private corked = false;

  /**
   * @param onFlush called each time a batch leaves (the heartbeat counts it as a send).
   */
  constructor(
    private readonly sink: CorkableSink,
    private readonly endOfTick: EndOfTick,
    private readonly onFlush: () => void = () => undefined,
  ) {}

  write(frame: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.sink.cork();
      this.endOfTick(() => {
        this.corked = false;
        this.onFlush();
        this.sink.uncork();
      });
    }
    this.sink.write(frame);
  }
}
