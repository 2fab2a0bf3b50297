/**
 * A read-through cache with a short time-to-live and single flight: while a read of a key is in
 * flight, every other caller of that key waits for the same read; its result then serves callers
 * for `ttlMs`. At the opening minute 500 enrollments for one course arrive within moments; they
 * share one course read instead of queueing 500 reads on SQLite's one connection (the benchmark's
 * `course-read` stage) in front of the seat transactions.
 *
 * Staleness is bounded by `ttlMs` and local writes invalidate at once; a write made by another
 * instance is seen here at most `ttlMs` later. Absent values (null) are never kept.
 */
export class RecentReads<K, V> {
  private readonly entries = new Map<K, { value: V; at: number }>();
  private readonly inFlight = new Map<K, Promise<V | null>>();

  constructor(
    private readonly ttlMs: number,
    private readonly read: (key: K) => Promise<V | null>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async get(key: K): Promise<V | null> {
    const hit = this.entries.get(key);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.value;
    const pending = this.inFlight.get(key);
    if (pending !== undefined) return pending;
    const at = this.now();
    const reading = this.read(key).then(
      (value) => {
        if (this.inFlight.get(key) === reading) {
          this.inFlight.delete(key);
          if (value !== null) this.entries.set(key, { value, at });
          else this.entries.delete(key);
        }
        return value;
      },
      (error: unknown) => {
        if (this.inFlight.get(key) === reading) this.inFlight.delete(key);
        throw error;
      },
    );
    this.inFlight.set(key, reading);
    return reading;
  }

  /** Forgets `key` (after a local write); a read in flight no longer fills the cache. */
  invalidate(key: K): void {
    this.entries.delete(key);
    this.inFlight.delete(key);
  }
}
