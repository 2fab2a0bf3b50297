/**
 * A fault that could not be injected or healed means the run did not test what its report claims
 * (and a member that would not restart may itself be the bug), so it fails the run as a harness
 * error instead of passing quietly. Pure, for tests.
 */
import type { FaultRecord } from './nemesis.js';

/** The harness error for a run's fault log, or undefined when every fault went in and came out. */
export function faultInjectionError(records: readonly FaultRecord[]): string | undefined {
  const failed = records.filter((r) => r.error !== undefined);
  if (failed.length === 0) return undefined;
  return (
    `fault injection failed ${failed.length} time(s): ` +
    failed
      .slice(0, 3)
      .map((r) => `${r.description}: ${r.error}`)
      .join(' | ')
  );
}
