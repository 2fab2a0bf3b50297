/**
 * Reconnect delay: exponential from `minMs` to `maxMs`, with jitter so that members that lost the same
 * peer at the same moment (it crashed) do not all redial it in lockstep when it comes back.
 */

/**
 * Delay before connection attempt number `attempt` (0 = first retry), in ms, within
 * `[minMs, min(maxMs, minMs * 2^attempt)]` and never below half of that cap.
 * @example backoffDelay(3, 50, 2000, Math.random) // somewhere in [200, 400]
 */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, rng: () => number): number {
  const cap = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.max(minMs, Math.round(cap * (0.5 + rng() / 2)));
}
