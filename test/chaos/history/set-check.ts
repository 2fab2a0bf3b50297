/**
 * Jepsen's set check for append-only workloads: each element is added once (a uniquely named znode)
 * and the final read, taken after healing, must contain every acknowledged element ("lost" if not)
 * and nothing that was never attempted ("unexpected"). Elements whose add is unknown may be either.
 */
import type { Anomaly } from '../harness/scenario.js';

export interface SetCheckResult {
  anomalies: Anomaly[];
  acknowledged: number;
  /** Unknown adds that turned out applied. */
  recovered: number;
}

export function checkSet(
  attempts: ReadonlyMap<string, 'ok' | 'fail' | 'unknown'>,
  finalRead: readonly string[],
  where = 'final read',
): SetCheckResult {
  const present = new Set(finalRead);
  const lost = [...attempts].filter(([name, st]) => st === 'ok' && !present.has(name)).map(([n]) => n);
  const failedButPresent = [...attempts]
    .filter(([name, st]) => st === 'fail' && present.has(name))
    .map(([n]) => n);
  const unexpected = finalRead.filter((name) => !attempts.has(name));
  const anomalies: Anomaly[] = [];
  if (lost.length > 0) {
    anomalies.push({
      kind: 'lost-write',
      message: `${lost.length} acknowledged creates are missing from the ${where}`,
      evidence: lost.slice(0, 10),
    });
  }
  if (failedButPresent.length > 0 || unexpected.length > 0) {
    anomalies.push({
      kind: 'unexpected-element',
      message: `${failedButPresent.length + unexpected.length} znodes in the ${where} were never (successfully) created`,
      evidence: [...failedButPresent, ...unexpected].slice(0, 10),
    });
  }
  return {
    anomalies,
    acknowledged: [...attempts.values()].filter((s) => s === 'ok').length,
    recovered: [...attempts].filter(([name, st]) => st === 'unknown' && present.has(name)).length,
  };
}
