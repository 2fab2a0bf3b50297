/**
 * What a one-shot watch may have missed. `watchEvents` re-arms a data or children watch after each
 * event; a change that lands between the event and the re-arm fires nothing (the old watch is
 * spent, the new one not yet set). The re-arm's reply shows the state after such a change, so
 * comparing it with what the event implied tells whether one happened, and the stream yields one
 * coalesced event for it: the consumer may see fewer events than changes, never a stale last state.
 */
import { EventType } from '../protocol/constants.js';
import type { Stat } from '../protocol/records.js';

/**
 * For a data watch re-armed with `exists` after `event`: the event to synthesize, or undefined.
 * - the node is gone but the event did not say deleted: NodeDeleted;
 * - the node exists after a NodeDeleted: NodeCreated (it came back);
 * - after NodeCreated the node was already modified (mzxid != czxid): NodeDataChanged.
 * @example missedDataEvent(EventType.NodeDeleted, stat) // NodeCreated when stat !== null
 */
export function missedDataEvent(event: EventType | undefined, stat: Stat | null): EventType | undefined {
  if (event === undefined) return undefined;
  if (stat === null) return event === EventType.NodeDeleted ? undefined : EventType.NodeDeleted;
  if (event === EventType.NodeDeleted) return EventType.NodeCreated;
  if (event === EventType.NodeCreated && stat.mzxid !== stat.czxid) return EventType.NodeDataChanged;
  return undefined;
}

/**
 * For a children watch re-armed with `getChildren2` after `event`: true when the children changed
 * more than the one time the event reported (cversion moved by more than one since the last arm).
 */
export function missedChildrenChange(
  event: EventType | undefined,
  cversionAtLastArm: number | undefined,
  cversionNow: number | undefined,
): boolean {
  return (
    event === EventType.NodeChildrenChanged &&
    cversionAtLastArm !== undefined &&
    cversionNow !== undefined &&
    cversionNow > cversionAtLastArm + 1
  );
}
