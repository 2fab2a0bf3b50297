/**
 * Retry delay for many parties that fail at the same moment (a member crashed, an election began):
 * exponential, capped, jittered, so they do not come back in lockstep. Members redialling a peer,
 * clients going round their hosts again, recipes replacing an expired session (LeaderLatch,
 * SessionBinding) and services retrying a boot step wait this way.
 */

export interface BackoffPolicy {
  /** The first delay's cap, ms. */
  baseMs: number;
  /** No delay is longer than this, ms: how late a recovered peer is noticed at worst. */
  maxMs: number;
}

/**
 * Delay before retry number `retry` (0 = the first), in ms: its cap doubles from `baseMs` up to
 * `maxMs`, and the delay is drawn from the upper half of the cap, `[cap/2, cap]`, by `rng` in [0, 1).
 * @example backoffDelay(3, { baseMs: 50, maxMs: 2000 }, Math.random) // somewhere in [200, 400]
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, rng: () => number): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(retry, 0), 30));
  return Math.round(cap / 2 + (cap / 2) * rng());
}
