/**
 * Session ids in ZooKeeper's layout: the top byte is the member's id, the rest comes from the
 * start time, then increments. Ids from different members never collide, and a restarted member
 * starts far from its earlier ids because time moved on.
 */
const MASK64 = (1n << 64n) - 1n;

export function initialSessionId(serverId: number, nowMs: number): bigint {
  // ((now << 24) >>> 8) on a signed 64-bit long, then OR the server id into the top byte.
  const t = ((BigInt(nowMs) << 24n) & MASK64) >> 8n;
  const id = (BigInt(serverId) << 56n) | t;
  return BigInt.asIntN(64, id);
}

/** The next id after `id`, skipping Long.MIN_VALUE which marks containers. */
export function nextSessionId(id: bigint): bigint {
  let n = BigInt.asIntN(64, id + 1n);
  if (n === -0x8000000000000000n) n = BigInt.asIntN(64, n + 1n);
  return n;
}

export function formatSessionId(id: bigint): string {
  return '0x' + BigInt.asUintN(64, id).toString(16);
}
