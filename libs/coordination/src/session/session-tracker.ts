/**
 * Session liveness, as the leader tracks it (ZooKeeper's SessionTrackerImpl).
 *
 * Expiry is bucketed to tickTime: a session touched at time t with timeout T expires at the first
 * tick boundary at or after t+T. Bucketing keeps expiry checks O(expired) per tick instead of
 * O(sessions). Pure: the caller passes `now` and acts on what `expire` returns (it proposes a
 * closeSession txn; the session only leaves the table when that txn is applied).
 */
export interface TrackedSession {
  readonly id: bigint;
  timeoutMs: number;
  /** tick boundary (ms) at which the session expires unless touched again. */
  expiresAt: number;
  /** set once expiry was reported, so it is proposed once even if the closeSession txn is slow. */
  closing: boolean;
}

/** Planted bugs for the chaos suite; never set outside tests. */
export interface SessionTrackerUnsafe {
  /** Expire sessions after a quarter of their timeout (the premature-expiry check must see it). */
  earlyExpiry?: boolean;
}

export class SessionTracker {
  private readonly sessions = new Map<bigint, TrackedSession>();
  private readonly buckets = new Map<number, Set<bigint>>();

  constructor(
    private readonly tickTime: number,
    private readonly unsafe: SessionTrackerUnsafe = {},
  ) {
    if (!(tickTime > 0)) throw new RangeError(`tickTime must be positive, got ${tickTime}`);
  }

  /** How long after a touch a session lives (its timeout, unless a planted bug shortens it). */
  private lifetime(s: { timeoutMs: number }): number {
    return this.unsafe.earlyExpiry === true ? Math.floor(s.timeoutMs / 4) : s.timeoutMs;
  }

  /** Round up to the next tick boundary (ZooKeeper's roundToNextInterval). */
  private boundary(time: number): number {
    return (Math.floor(time / this.tickTime) + 1) * this.tickTime;
  }

  get size(): number {
    return this.sessions.size;
  }

  has(id: bigint): boolean {
    return this.sessions.has(id);
  }

  get(id: bigint): TrackedSession | undefined {
    return this.sessions.get(id);
  }

  ids(): IterableIterator<bigint> {
    return this.sessions.keys();
  }

  /** Start tracking (new session, or every known session after recovery / leader change). */
  add(id: bigint, timeoutMs: number, now: number): void {
    const existing = this.sessions.get(id);
    if (existing) {
      existing.timeoutMs = timeoutMs;
      this.touch(id, now);
      return;
    }
    const s: TrackedSession = { id, timeoutMs, expiresAt: 0, closing: false };
    this.sessions.set(id, s);
    this.reschedule(s, this.boundary(now + this.lifetime(s)));
  }

  /**
   * Record activity. Returns false if the session is unknown or already closing: the caller must
   * then treat the session as expired.
   */
  touch(id: bigint, now: number): boolean {
    const s = this.sessions.get(id);
    if (!s || s.closing) return false;
    const next = this.boundary(now + this.lifetime(s));
    if (next > s.expiresAt) this.reschedule(s, next);
    return true;
  }

  /**
   * Starts over from `sessions` (the committed session table), each with a full timeout from `now`
   * and nothing closing: what a new leader must do. A close or expiry this member proposed in an
   * earlier term either committed (the session is gone from the table) or was discarded with that
   * term, so a `closing` mark left from then would make a live session unusable and never expire.
   */
  rebuild(sessions: Iterable<{ id: bigint; timeoutMs: number }>, now: number): void {
    for (const id of this.sessions.keys()) this.remove(id);
    for (const s of sessions) this.add(s.id, s.timeoutMs, now);
  }

  /** Mark as closing (closeSession requested): no more touches revive it. */
  setClosing(id: bigint): void {
    const s = this.sessions.get(id);
    if (s) s.closing = true;
  }

  remove(id: bigint): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.unbucket(id, s.expiresAt);
    this.sessions.delete(id);
  }

  /** Sessions whose deadline is at or before `now`; each is reported once (marked closing). */
  expire(now: number): bigint[] {
    const out: bigint[] = [];
    for (const [at, ids] of this.buckets) {
      if (at > now) continue;
      for (const id of ids) {
        const s = this.sessions.get(id);
        if (s && !s.closing) {
          s.closing = true;
          out.push(id);
        }
      }
      this.buckets.delete(at);
    }
    return out;
  }

  /** Number of tick buckets held (for tests: emptied buckets must not pile up on members that never expire). */
  get bucketCount(): number {
    return this.buckets.size;
  }

  private unbucket(id: bigint, at: number): void {
    const bucket = this.buckets.get(at);
    if (!bucket) return;
    bucket.delete(id);
    if (bucket.size === 0) this.buckets.delete(at);
  }

  private reschedule(s: TrackedSession, at: number): void {
    if (s.expiresAt) this.unbucket(s.id, s.expiresAt);
    s.expiresAt = at;
    let bucket = this.buckets.get(at);
    if (!bucket) this.buckets.set(at, (bucket = new Set()));
    bucket.add(s.id);
  }
}
