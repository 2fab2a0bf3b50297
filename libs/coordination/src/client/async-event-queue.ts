/**
 * A push-to-pull bridge: producers `push` values, one consumer drains them with `for await`.
 * Buffers without bound (watch events are small and rare compared with requests), ends on `end()`
 * after the buffered values, or fails the consumer on `fail(err)`.
 */
export class AsyncEventQueue<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private error: unknown;
  private hasError = false;

  constructor(private readonly onReturn?: () => void) {}

  push(value: T): void {
    if (this.done) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve({ value, done: false });
    } else {
      this.buffer.push(value);
    }
  }

  /** Ends the stream once buffered values are consumed. */
  end(): void {
    if (this.done) return;
    this.done = true;
    const w = this.waiter;
    if (w !== undefined && this.buffer.length === 0) {
      this.waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
  }

  /** Fails the consumer (after buffered values). */
  fail(err: unknown): void {
    if (this.done) return;
    this.error = err;
    this.hasError = true;
    this.done = true;
    const w = this.waiter;
    if (w !== undefined && this.buffer.length === 0) {
      this.waiter = undefined;
      w.reject(err);
    }
  }

  get ended(): boolean {
    return this.done;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.done) {
      if (this.hasError) {
        this.hasError = false;
        return Promise.reject(this.error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    const wasDone = this.done;
    this.done = true;
    this.hasError = false;
    if (!wasDone) this.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
