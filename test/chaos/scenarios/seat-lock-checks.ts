/**
 * Pure audit of the seat pools' coordinator locks, shared by the platform scenarios: a batch refused
 * by the fencing token (503, reason `stale-fence`) proves that the pool's lock was granted to a
 * newer holder while this instance still had a decided batch. On correct code that happens only
 * when the instance lost its coordinator session (paused, cut off, expired), so the lock's
 * ephemeral node went with it. A refusal from an instance whose session provably lived through the
 * whole request means the lock itself let two holders in at once: `mutual-exclusion-lost` (what a
 * lock released before the transaction commits looks like when the database's fence and its
 * single-writer transactions keep the counts right: the refused batch is the only trace).
 *
 * Evidence of a session's life: the registry znode's owner sampled before the request's invoke
 * (answered before it) and after its completion (sync + exists sent after it, so the state read is
 * at least that new; harness/registry-sessions.ts). Equal owners, both present, and no other owner
 * (or absence) sampled in between = the session never ended. Missing samples explain the refusal
 * (no evidence), so the audit can miss a violation but never invent one.
 */
import type { Anomaly } from '../harness/scenario.js';

/**
 * One sample of an instance's registry znode owner (null: no znode). The state read is no older
 * than `sentNs` (sync first) and no newer than `answeredNs` (monotonic ns).
 */
export interface SessionSample {
  sentNs: number;
  answeredNs: number;
  instance: string;
  owner: string | null;
}

/** A request an instance answered with 503 stale-fence. */
export interface StaleFenceRefusal {
  instance: string;
  pool: string;
  invokeNs: number;
  completeNs: number;
  what: string;
}

const MAX_EVIDENCE = 5;

export function checkStaleRefusals(
  refusals: readonly StaleFenceRefusal[],
  samples: readonly SessionSample[],
): Anomaly[] {
  const byInstance = new Map<string, SessionSample[]>();
  for (const s of samples) {
    const list = byInstance.get(s.instance) ?? [];
    list.push(s);
    byInstance.set(s.instance, list);
  }
  for (const list of byInstance.values()) list.sort((a, b) => a.sentNs - b.sentNs);
  const unexplained: { refusal: StaleFenceRefusal; session: string }[] = [];
  for (const r of refusals) {
    const list = byInstance.get(r.instance) ?? [];
    const before = list.findLast((s) => s.answeredNs <= r.invokeNs);
    const afterAt = list.findIndex((s) => s.sentNs >= r.completeNs);
    if (before === undefined || before.owner === null || afterAt < 0) continue;
    // Everything sampled from `before` to the first sample after: one owner throughout.
    const between = list.slice(list.indexOf(before), afterAt + 1);
    if (between.every((s) => s.owner === before.owner))
      unexplained.push({ refusal: r, session: before.owner });
  }
  if (unexplained.length === 0) return [];
  return [
    {
      kind: 'mutual-exclusion-lost',
      message: `${unexplained.length} seat batch(es) refused by the fencing token although the instance's coordinator session lived through the request: the pool's lock had a second holder while the first still held it`,
      evidence: unexplained.slice(0, MAX_EVIDENCE),
    },
  ];
}
