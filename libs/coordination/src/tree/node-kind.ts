/**
 * What a znode's stored ephemeralOwner means (ZooKeeper's EphemeralType, extended types on):
 * 0 = persistent; Long.MIN_VALUE = container; top byte 0xFF = TTL (low 40 bits = ttl ms);
 * anything else = the owning session id. Clients never see the container/TTL markers: the
 * real 3.8.0 server reports ephemeralOwner 0 for them (observed with kazoo), so Stats mask them.
 */
import { CONTAINER_EPHEMERAL_OWNER, MAX_TTL_MS } from '../protocol/constants.js';

export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl';

const TOP_BYTE_SHIFT = 56n;
const TTL_VALUE_MASK = (1n << 40n) - 1n;

/** Classifies a stored ephemeralOwner value. */
export function nodeKind(ephemeralOwner: bigint): NodeKind {
  if (ephemeralOwner === 0n) return 'persistent';
  if (ephemeralOwner === CONTAINER_EPHEMERAL_OWNER) return 'container';
  if (BigInt.asUintN(64, ephemeralOwner) >> TOP_BYTE_SHIFT === 0xffn) return 'ttl';
  return 'ephemeral';
}

/** The stored owner for a TTL node: 0xFF00000000000000 | ttl, as a signed 64-bit value. */
export function ttlEphemeralOwner(ttlMs: number): bigint {
  if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) throw new RangeError(`bad ttl ${ttlMs}`);
  return BigInt.asIntN(64, (0xffn << TOP_BYTE_SHIFT) | BigInt(ttlMs));
}

/** The ttl (ms) of a TTL node's owner value. */
export function ttlOf(ephemeralOwner: bigint): number {
  return Number(BigInt.asUintN(64, ephemeralOwner) & TTL_VALUE_MASK);
}

/** The ephemeralOwner a client sees in a Stat. */
export function clientEphemeralOwner(ephemeralOwner: bigint): bigint {
  const kind = nodeKind(ephemeralOwner);
  return kind === 'container' || kind === 'ttl' ? 0n : ephemeralOwner;
}
