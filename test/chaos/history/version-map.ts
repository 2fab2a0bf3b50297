/**
 * A check that holds for every read ZooKeeper serves, stale or not: a znode's data version is
 * assigned once, by the commit that produced it, so every observation of (path, version) — a write's
 * acknowledgement, or a read from any member at any time — must show the same data. Two different
 * values for one version mean a member served state that was never committed (a learner that kept
 * an uncommitted txn), or an acknowledged write was lost and its version reused.
 *
 * Unlike the linearizability check this one may include reads from followers and deposed leaders:
 * sequential consistency lets them be old, never invented.
 */
import type { Anomaly } from '../harness/scenario.js';

export interface VersionObservation {
  path: string;
  version: number;
  value: string;
  /** Who saw it, for the evidence, e.g. "read on member 3 by m3w0.1" or "ack of cas by m1w1.0". */
  source: string;
}

export function versionConflicts(observations: Iterable<VersionObservation>, maxReported = 5): Anomaly[] {
  const first = new Map<string, VersionObservation>();
  const reported = new Set<string>();
  const anomalies: Anomaly[] = [];
  let conflicts = 0;
  for (const o of observations) {
    const id = `${o.path}@${o.version}`;
    const seen = first.get(id);
    if (seen === undefined) {
      first.set(id, o);
      continue;
    }
    if (seen.value === o.value || reported.has(id)) continue;
    reported.add(id);
    conflicts++;
    if (anomalies.length < maxReported) {
      anomalies.push({
        kind: 'version-conflict',
        message: `${o.path} version ${o.version} was seen with two different values`,
        evidence: [
          `${JSON.stringify(seen.value)} (${seen.source})`,
          `${JSON.stringify(o.value)} (${o.source})`,
        ],
      });
    }
  }
  if (conflicts > anomalies.length) {
    anomalies.push({
      kind: 'version-conflict',
      message: `${conflicts - anomalies.length} more versions were seen with two different values`,
    });
  }
  return anomalies;
}
