/**
 * Phase 2 of Zab: synchronization (the paper's "Phase 2: Synchronization"; ZooKeeper's
 * `LearnerHandler.syncFollower` choosing DIFF, TRUNC or SNAP, then NEWLEADER).
 *
 * The leader's history is the one every learner must adopt. A learner whose last zxid is a point
 * of the leader's history gets the missing suffix (DIFF). A learner with txns the leader lacks
 * (proposed in an old epoch but never committed) truncates back to the greatest zxid the two share,
 * then gets the suffix (TRUNC). A learner too far behind for the leader's retained log, or
 * diverging below it, gets the host's snapshot and the suffix after it (SNAP).
 */
import { ZabInvariantError } from './errors.js';
import type { History } from './history.js';
import type { SyncMode, ZabEntry, ZabSnapshot } from './messages.js';
import { formatZxid } from './zxid.js';

export interface SyncPlan {
  readonly mode: SyncMode;
  readonly truncTo: number;
  readonly snapshot: ZabSnapshot | undefined;
  readonly entries: ZabEntry[];
}

/**
 * Plans how to bring a learner whose history ends at `learnerLast` to the leader's `history`.
 * Returns `undefined` when the host can provide neither the log range nor a usable snapshot.
 * `unsafeSkipTrunc` (tests only) sends a DIFF where a TRUNC is needed: a planted bug.
 */
export function planSync(
  history: History,
  learnerLast: number,
  unsafeSkipTrunc = false,
): SyncPlan | undefined {
  const last = history.last;
  if (learnerLast <= last && history.has(learnerLast)) {
    const entries = history.slice(learnerLast, last);
    if (entries !== undefined) return { mode: 'diff', truncTo: 0, snapshot: undefined, entries };
    return planSnap(history);
  }
  const shared = history.floor(Math.min(learnerLast, last));
  if (shared === undefined) return planSnap(history);
  const entries = history.slice(shared, last);
  if (entries === undefined) return planSnap(history);
  if (unsafeSkipTrunc) return { mode: 'diff', truncTo: 0, snapshot: undefined, entries };
  return { mode: 'trunc', truncTo: shared, snapshot: undefined, entries };
}

function planSnap(history: History): SyncPlan | undefined {
  const snapshot = history.snapshot();
  if (snapshot.zxid < history.base || snapshot.zxid > history.last) return undefined;
  const entries = history.slice(snapshot.zxid, history.last);
  if (entries === undefined) return undefined;
  return { mode: 'snap', truncTo: 0, snapshot, entries };
}

/**
 * Checks a TRUNC against the learner's own history before it drops anything: the target must be a
 * point the learner holds, and nothing committed may be dropped. Either failing means histories
 * diverged in a way Zab's invariants exclude, so we stop rather than guess.
 */
export function checkTrunc(history: History, truncTo: number, committed: number): void {
  if (truncTo < committed) {
    throw new ZabInvariantError(
      `TRUNC to ${formatZxid(truncTo)} would drop committed txns up to ${formatZxid(committed)}`,
    );
  }
  if (!history.has(truncTo)) {
    throw new ZabInvariantError(`TRUNC to ${formatZxid(truncTo)}, which is not in this member's history`);
  }
}
