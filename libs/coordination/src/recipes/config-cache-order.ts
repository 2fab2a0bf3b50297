/**
 * Which of two observations of one znode is newer. Pure, so the "never goes backwards" rule of the
 * config and tree caches is tested on its own.
 *
 * A znode incarnation is named by its czxid (a re-created node has a larger one) and its data
 * changes are ordered by version (equivalently mzxid) within an incarnation.
 */

/** What a cache last accepted for one path. */
export interface Observed {
  /** czxid of the last incarnation seen (kept after the node is deleted); 0 when none yet. */
  czxid: number;
  /** version of the last data seen of that incarnation; -1 when none. */
  version: number;
  /** True when the node existed at the last accepted observation. */
  present: boolean;
}

/** The state before anything was read. */
export const NOTHING_OBSERVED: Observed = { czxid: 0, version: -1, present: false };

/**
 * Decides whether a read result should replace `current`.
 * - a node read (`{czxid, version}`): newer when it is a later incarnation, or the same live
 *   incarnation at a higher version. The same incarnation after we saw it deleted is stale.
 * - `null` (NONODE): newer when we last saw the node present. Reads on one session are answered in
 *   order, so a NONODE read can only follow what was seen before it.
 * @example isNewer({ czxid: 5, version: 3, present: true }, { czxid: 5, version: 4 }) // true
 */
export function isNewer(current: Observed, read: { czxid: number; version: number } | null): boolean {
  if (read === null) return current.present;
  if (read.czxid > current.czxid) return true;
  if (read.czxid < current.czxid) return false;
  return current.present && read.version > current.version;
}

/** The observation after accepting `read`. */
export function observe(current: Observed, read: { czxid: number; version: number } | null): Observed {
  if (read === null) return { czxid: current.czxid, version: current.version, present: false };
  return { czxid: read.czxid, version: read.version, present: true };
}
