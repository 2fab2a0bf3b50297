/**
 * zxid arithmetic. A zxid is `epoch * 2^32 + counter` held in a JS number (exact up to 2^53, so
 * epochs up to 2^21). We use arithmetic rather than bit shifts because JS bit operators work on 32 bits.
 */

const TWO_32 = 2 ** 32;

/** The largest counter a leader may assign before it must step down and force a new epoch. */
export const MAX_COUNTER = TWO_32 - 1;

/** Builds the zxid `<epoch, counter>`. */
export function makeZxid(epoch: number, counter: number): number {
  return epoch * TWO_32 + counter;
}

/** The epoch half of a zxid. */
export function epochOf(zxid: number): number {
  return Math.floor(zxid / TWO_32);
}

/** The counter half of a zxid. */
export function counterOf(zxid: number): number {
  return zxid % TWO_32;
}

/**
 * The zxid a member expects next from the leader of `epoch` when its history ends at `last`:
 * counters are consecutive within an epoch and restart at 1 in a new one. Anything else is a gap.
 */
export function nextZxid(last: number, epoch: number): number {
  return epochOf(last) === epoch ? last + 1 : makeZxid(epoch, 1);
}

/** Human-readable form used in errors and logs, e.g. `0x300000005`. */
export function formatZxid(zxid: number): string {
  return `0x${zxid.toString(16)}`;
}
