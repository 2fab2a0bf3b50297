import type { Anomaly } from './scenario.js';

/**
 * Collects anomalies keeping at most `maxPerKind` of each kind plus one "further ... not listed"
 * line, so a systematic failure yields a readable report instead of thousands of rows.
 */
export function anomalyList(maxPerKind = 5): { anomalies: Anomaly[]; push(a: Anomaly): void } {
  const anomalies: Anomaly[] = [];
  return {
    anomalies,
    push(a) {
      const same = anomalies.filter((x) => x.kind === a.kind).length;
      if (same < maxPerKind) anomalies.push(a);
      else if (same === maxPerKind)
        anomalies.push({ kind: a.kind, message: `further ${a.kind} anomalies not listed` });
    },
  };
}
