/**
 * Pure checks of the fenced-resource scenario over its recorded events: lock grants (with fencing
 * tokens), the resource's write log, and the holds as each worker saw them. Times are nanoseconds
 * on the machine's monotonic clock (process.hrtime, CLOCK_MONOTONIC, shared by every process).
 */
import type { Anomaly } from '../harness/scenario.js';

/** One successful Lock.acquire as the worker saw it. */
export interface Grant {
  worker: string;
  /** When the worker started acquiring. */
  invokeNs: bigint;
  /** When the worker learned it holds the lock. */
  completeNs: bigint;
  token: number;
}

/** One write as the resource handled it, in the resource's order. */
export interface ResourceWrite {
  worker: string;
  token: number;
  /** When the write reached the resource. */
  arrivedNs: bigint;
  accepted: boolean;
}

/** A span during which a worker believed it held the lock (grant until it released, or run end). */
export interface Hold {
  worker: string;
  fromNs: bigint;
  toNs: bigint;
}

const EVIDENCE_LIMIT = 5;

/**
 * (1) Tokens increase in grant order: a grant that completed before another was invoked has the
 * smaller token, and no two grants share a token.
 */
export function checkGrantOrder(grants: readonly Grant[]): Anomaly[] {
  const out: Anomaly[] = [];
  const byToken = new Map<number, Grant>();
  for (const g of grants) {
    const other = byToken.get(g.token);
    if (other !== undefined) {
      out.push({
        kind: 'duplicate-token',
        message: `two grants carry fencing token ${g.token}`,
        evidence: [brief(other), brief(g)],
      });
    } else byToken.set(g.token, g);
  }
  const violations: unknown[] = [];
  for (const a of grants) {
    for (const b of grants) {
      if (a !== b && a.completeNs < b.invokeNs && !(a.token < b.token)) violations.push([brief(a), brief(b)]);
    }
  }
  if (violations.length > 0) {
    out.push({
      kind: 'token-not-increasing',
      message: `${violations.length} grant pairs where the earlier grant has a token >= the later one's`,
      evidence: violations.slice(0, EVIDENCE_LIMIT),
    });
  }
  return out;
}

/**
 * (2) The resource never accepted a token lower than one it accepted before, and its decisions
 * follow its rule (accept iff token >= highest accepted so far).
 */
export function checkResourceLog(writes: readonly ResourceWrite[]): Anomaly[] {
  const out: Anomaly[] = [];
  let highest = Number.NEGATIVE_INFINITY;
  writes.forEach((w, i) => {
    if (w.accepted && w.token < highest) {
      out.push({
        kind: 'stale-token-accepted',
        message: `write #${i} with token ${w.token} accepted after token ${highest}`,
        evidence: { index: i, write: briefWrite(w), highest },
      });
    } else if (!w.accepted && w.token >= highest) {
      out.push({
        kind: 'write-wrongly-rejected',
        message: `write #${i} with token ${w.token} rejected though the highest accepted was ${highest}`,
        evidence: { index: i, write: briefWrite(w), highest },
      });
    }
    if (w.accepted && w.token > highest) highest = w.token;
  });
  return out;
}

/**
 * (3) Every write carries a token its writer was granted (before sending it), and every rejected
 * write is explained by a real newer grant: one with a higher token completed before the write
 * arrived.
 */
export function checkRejections(grants: readonly Grant[], writes: readonly ResourceWrite[]): Anomaly[] {
  const out: Anomaly[] = [];
  const unexplained: unknown[] = [];
  const ungranted: unknown[] = [];
  for (const w of writes) {
    const own = grants.some(
      (g) => g.worker === w.worker && g.token === w.token && g.completeNs <= w.arrivedNs,
    );
    if (!own) ungranted.push(briefWrite(w));
    if (w.accepted) continue;
    const newer = grants.some((g) => g.token > w.token && g.completeNs < w.arrivedNs);
    if (!newer) unexplained.push(briefWrite(w));
  }
  if (ungranted.length > 0) {
    out.push({
      kind: 'write-with-ungranted-token',
      message: `${ungranted.length} writes carry a token their writer was never granted`,
      evidence: ungranted.slice(0, EVIDENCE_LIMIT),
    });
  }
  if (unexplained.length > 0) {
    out.push({
      kind: 'unexplained-rejection',
      message: `${unexplained.length} rejected writes with no newer grant before they arrived`,
      evidence: unexplained.slice(0, EVIDENCE_LIMIT),
    });
  }
  return out;
}

/** Checks (1)-(3) together. */
export function checkFencing(grants: readonly Grant[], writes: readonly ResourceWrite[]): Anomaly[] {
  return [...checkGrantOrder(grants), ...checkResourceLog(writes), ...checkRejections(grants, writes)];
}

/**
 * (4) How many times mutual exclusion was actually lost: holds that were still running (by wall
 * clock) when another worker's hold began. A paused holder overlapped by many later holds counts once.
 */
export function countOverlappingHolds(holds: readonly Hold[]): number {
  let n = 0;
  for (const h of holds) {
    if (holds.some((o) => o.worker !== h.worker && o.fromNs >= h.fromNs && o.fromNs < h.toNs)) n++;
  }
  return n;
}

const ms = (ns: bigint) => Number(ns / 1_000_000n);
const brief = (g: Grant) => ({
  worker: g.worker,
  token: g.token,
  invokeMs: ms(g.invokeNs),
  completeMs: ms(g.completeNs),
});
const briefWrite = (w: ResourceWrite) => ({
  worker: w.worker,
  token: w.token,
  arrivedMs: ms(w.arrivedNs),
  accepted: w.accepted,
});
