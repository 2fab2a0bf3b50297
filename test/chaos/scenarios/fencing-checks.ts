/**
 * Pure checks of the fenced-resource scenario over its recorded events: lock grants (with fencing
 * tokens), holders' proofs that their lock node still exists, the resource's write log (figures
 * only), and the holds as each worker saw them. Times are nanoseconds
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
 * A holder proving, after its write, that its lock node still exists: a quorum write (setData) on
 * the node, invoked at `invokeNs`. `alive` when it succeeded (the node existed at a zxid assigned
 * after the invoke); false when it failed NONODE or the session was gone.
 */
export interface HoldProof {
  worker: string;
  token: number;
  invokeNs: bigint;
  alive: boolean;
}

/**
 * (2) Never two live holders: once a grant with token Tb completed, no holder of an older token Ta <
 * Tb may still prove its lock node alive with a write invoked after that. The later grant read the
 * children at a committed state that included its own node (created at Tb, after Ta's) yet not Ta's,
 * so Ta's node was deleted at or before that state; a write invoked after the read completed commits
 * above that state, and a deleted ephemeral-sequential node never comes back. Only a coordinator bug
 * (a read from a state that is not a committed prefix, a lost or resurrected ephemeral) can fail
 * this: unlike a check of the harness's own resource rule, it does not hold by construction.
 */
export function checkLiveHolders(grants: readonly Grant[], proofs: readonly HoldProof[]): Anomaly[] {
  const witnesses: unknown[] = [];
  for (const p of proofs) {
    if (!p.alive) continue;
    const later = grants.find((g) => g.token > p.token && g.completeNs < p.invokeNs);
    if (later !== undefined) {
      witnesses.push({
        holder: p.worker,
        token: p.token,
        provedAliveAtMs: ms(p.invokeNs),
        laterGrant: brief(later),
      });
    }
  }
  if (witnesses.length === 0) return [];
  return [
    {
      kind: 'two-live-holders',
      message: `${witnesses.length} holders proved their lock node alive after a newer grant had completed`,
      evidence: witnesses.slice(0, EVIDENCE_LIMIT),
    },
  ];
}

/** Checks (1) and (2) together: both can fail only on a coordinator (or lock recipe) bug. */
export function checkFencing(grants: readonly Grant[], proofs: readonly HoldProof[]): Anomaly[] {
  return [...checkGrantOrder(grants), ...checkLiveHolders(grants, proofs)];
}

/**
 * The resource's own rule (accept iff token >= highest accepted) is the harness's code, so its log
 * is not checked: it can only confirm itself. Its figures (stale writes rejected) are stats.
 */

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
