/**
 * Lets a cache miss trigger a refresh without letting misses become a refresh per request: one
 * refresh at a time (concurrent callers share it), and none within `cooldownMs` of the last start.
 * The JWKS verifier uses it for tokens naming a key it does not hold yet; anyone can send a token
 * with a made-up kid, so the cooldown bounds what such tokens cost the coordinator.
 */
export class RefreshGate {
  private inFlight: Promise<boolean> | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly cooldownMs: number,
    private readonly nowMs: () => number,
  ) {}

  /** True once a refresh (this caller's or one already running) succeeded; false in cooldown or on failure. */
  attempt(): Promise<boolean> {
    if (this.inFlight) return this.inFlight;
    const now = this.nowMs();
    if (now - this.lastStartedAt < this.cooldownMs) return Promise.resolve(false);
    this.lastStartedAt = now;
    const run = this.refresh().then(
      () => true,
      () => false,
    );
    this.inFlight = run;
    void run.finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    return run;
  }
}
