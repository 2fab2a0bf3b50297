/**
 * The leader's side of a SNAP stream: serializes the snapshot one bounded payload at a time and
 * hands each to the quorum link as a `snap-chunk` message, yielding the event loop between payloads
 * (the leader keeps serving clients and heartbeats while a big tree streams), and holding back while
 * the link has more than `highWaterBytes` queued for the learner (the socket's back pressure), so a
 * slow learner costs the leader a bounded buffer, not a second copy of the tree.
 */
import type { SnapChunkMessage } from '../zab/messages.js';
import type { SnapshotSend } from '../zab/ready.js';
import { packSnapshotPayloads, SNAPSHOT_PAYLOAD_BYTES } from './snapshot-payload.js';

/** What the sender needs from the link to one learner. */
export interface SnapshotStreamLink {
  send(msg: SnapChunkMessage): void;
  /** bytes queued for the learner and not yet taken by its socket */
  backlog(): number;
  /** whether the stream is still of use (the sync attempt is alive, the member running) */
  wanted(): boolean;
  /**
   * Resolves once the backlog is at most `bytes` (or the link closed). Without it the sender looks
   * at the backlog again every `waitForRoom` (a 2 ms timer).
   */
  whenBacklogAtMost?(bytes: number): Promise<void>;
}

export interface SnapshotSenderOptions {
  /** bound of one payload (default 1 MiB) */
  payloadBytes?: number;
  /** pause while more than this is queued for the learner (default 4 payloads) */
  highWaterBytes?: number;
  /** lets the event loop run: I/O callbacks, timers (default: setImmediate) */
  yieldTurn?: () => Promise<void>;
  /** waits before looking at the backlog again when the link cannot say (default: 2 ms timer) */
  waitForRoom?: () => Promise<void>;
  /** give up when the link stays above high water this long, ms (default 20 s: a stopped learner) */
  stallMs?: number;
}

/** How one stream runs: the host's clock (stallMs counts in it) and the tunables above. */
export interface SnapshotStreamOptions extends SnapshotSenderOptions {
  now(): number;
}

/** How a stream ended: every payload handed over, no longer wanted, or the link stayed full. */
export type SnapshotStreamOutcome = 'sent' | 'unwanted' | 'stalled';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const shortWait = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

/** Resolves when `room` does or after `ms`, whichever is first, leaving no timer behind. */
function roomOrTimeout(room: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void room.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Streams `s.snapshot` over `link`. Resolves 'sent' once every payload, the final one marked `last`,
 * was handed to the link; 'unwanted' when it stopped early because it was no longer wanted; 'stalled'
 * when the learner took nothing for `stallMs` (the leader must not hold the stream, and the proposals
 * ZAB keeps for it, for a learner that stopped reading).
 */
export async function streamSnapshot(
  s: SnapshotSend,
  link: SnapshotStreamLink,
  opts: SnapshotStreamOptions,
): Promise<SnapshotStreamOutcome> {
  const payloadBytes = opts.payloadBytes ?? SNAPSHOT_PAYLOAD_BYTES;
  const highWater = opts.highWaterBytes ?? 4 * payloadBytes;
  const yieldTurn = opts.yieldTurn ?? nextTurn;
  const poll = opts.waitForRoom ?? shortWait;
  // Wake when the link has room, or once the stall bound has passed, whichever is first.
  const room = link.whenBacklogAtMost?.bind(link);
  const waitForRoom = room
    ? (since: number) => roomOrTimeout(room(highWater), Math.max(0, stallMs - (now() - since)) + 1)
    : () => poll();
  const stallMs = opts.stallMs ?? 20_000;
  const now = () => opts.now();
  let seq = 0;
  // Each step of this loop serializes one payload's worth of records (packSnapshotPayloads pulls
  // them lazily from the tree), so the work between two turns of the event loop stays bounded.
  for (const p of packSnapshotPayloads(s.snapshot.records, payloadBytes)) {
    if (!link.wanted()) return 'unwanted';
    link.send({
      type: 'snap-chunk',
      syncId: s.syncId,
      epoch: s.epoch,
      zxid: s.snapshot.zxid,
      seq: seq++,
      last: p.last,
      data: p.data,
    });
    await yieldTurn();
    const since = now();
    while (link.backlog() > highWater) {
      if (!link.wanted()) return 'unwanted';
      if (now() - since > stallMs) return 'stalled';
      await waitForRoom(since);
    }
  }
  return 'sent';
}
