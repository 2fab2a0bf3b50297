/**
 * What a chaos command expects of its runs, and whether they met it: none (the real code: no
 * anomaly, no harness error), any anomaly, or an anomaly of given kinds (a planted bug must be caught
 * by the check meant for it, not by whatever else happens to fire). Pure, so the gate CI relies on is
 * tested on its own.
 */
import type { RunReport } from './runner.js';

export type Expectation = { kind: 'none' } | { kind: 'anomaly'; kinds?: readonly string[] };

export interface Verdict {
  met: boolean;
  /** One line for the log. */
  summary: string;
  /** Runs with at least one anomaly of an expected kind (any kind when none are named). */
  catchingRuns: number;
  /** Anomaly kinds seen in all runs, with counts. */
  kindsSeen: Record<string, number>;
}

/** Parses --expect and --expect-kind: a kind implies 'anomaly'. */
export function parseExpectation(expect: string, expectKind: string | undefined): Expectation {
  const kinds = expectKind
    ?.split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (kinds !== undefined && kinds.length > 0) {
    if (expect === 'none' || expect === 'anomaly') return { kind: 'anomaly', kinds };
  }
  if (expect === 'none') return { kind: 'none' };
  if (expect === 'anomaly') return { kind: 'anomaly' };
  throw new RangeError(`--expect: 'none' or 'anomaly', got "${expect}"`);
}

export function judge(reports: readonly RunReport[], expectation: Expectation): Verdict {
  const kindsSeen: Record<string, number> = {};
  for (const r of reports) for (const a of r.anomalies) kindsSeen[a.kind] = (kindsSeen[a.kind] ?? 0) + 1;
  const seen = Object.entries(kindsSeen)
    .map(([k, n]) => `${k} x${n}`)
    .join(', ');
  if (expectation.kind === 'none') {
    const anomalies = reports.reduce((n, r) => n + r.anomalies.length, 0);
    const errors = reports.filter((r) => r.error !== undefined).length;
    return {
      met: anomalies === 0 && errors === 0,
      summary: `${anomalies} anomalies, ${errors} harness errors${seen ? ` (${seen})` : ''}`,
      catchingRuns: 0,
      kindsSeen,
    };
  }
  const wanted = expectation.kinds;
  const fits = (kind: string) => wanted === undefined || wanted.includes(kind);
  const catchingRuns = reports.filter((r) => r.anomalies.some((a) => fits(a.kind))).length;
  const what = wanted === undefined ? 'an anomaly' : `an anomaly of kind ${wanted.join(' or ')}`;
  return {
    met: catchingRuns > 0,
    summary:
      catchingRuns > 0
        ? `planted bug detected: ${what} in ${catchingRuns} of ${reports.length} runs (seen: ${seen})`
        : `planted bug NOT detected: no ${what} in ${reports.length} runs${seen ? ` (seen instead: ${seen})` : ''}`,
    catchingRuns,
    kindsSeen,
  };
}
