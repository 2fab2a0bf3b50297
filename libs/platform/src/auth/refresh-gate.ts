/**
 * Lets cache misses trigger refreshes without one refresh per miss. A caller is answered by a
 * refresh that starts after its call: one already running may have read before what the caller
 * needs was written. Refreshes start at most once per `minIntervalMs`; callers arriving while one
 * runs, or soon after one started, all wait for the next one and share it.
 *
 * The JWKS verifier uses it for tokens naming a key it does not hold yet. Anyone can send a token
 * with a made-up kid, so the interval bounds what such tokens cost the coordinator (one refresh per
 * interval, however many arrive), and they cannot make a genuine new key fail: its token waits for
 * the next refresh instead of being refused because junk came first.
 */
export class RefreshGate {
  /** The refresh callers are waiting for, not started yet; every caller until it starts shares it. */
  private next: Promise<boolean> | undefined;
  /** The refresh running now (settles when it ends, whatever its outcome). */
  private running: Promise<unknown> | undefined;
  private lastStartedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly minIntervalMs: number,
    private readonly nowMs: () => number,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /** True once a refresh that started after this call succeeded; false when it failed. */
  attempt(): Promise<boolean> {
    this.next ??= this.startNext();
    return this.next;
  }

  private async startNext(): Promise<boolean> {
    // Always yields before going on (also when nothing runs), so `attempt` has stored this promise
    // as `next` before the lines below clear it.
    await this.running;
    const wait = this.lastStartedAt + this.minIntervalMs - this.nowMs();
    if (wait > 0) await this.sleep(wait);
    // From here on a new caller needs a later refresh than this one.
    this.next = undefined;
    this.lastStartedAt = this.nowMs();
    const run = this.refresh().then(
      () => true,
      () => false,
    );
    this.running = run;
    const ok = await run;
    if (this.running === run) this.running = undefined;
    return ok;
  }
}
