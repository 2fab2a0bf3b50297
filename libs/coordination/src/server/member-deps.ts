/**
 * The effects a member reaches through seams (immich-style): time, randomness, logging, what to do
 * on a fatal storage error, and (optionally) the quorum transport. The member itself never calls
 * Date.now, Math.random, randomBytes, console.* or process.exit; `systemDeps()` (system-deps.ts)
 * wires the real ones for the coordinator app, and in-process tests pass their own.
 */
import type { Rng as ZabRng } from '../zab/zab-peer.js';
import type { MemberConfig } from './member-config.js';
import type { QuorumTransport } from './zab-host.js';

/** Wall-clock milliseconds (session expiry, txn times, TTLs). */
export interface Clock {
  now(): number;
}

/** Randomness: ZAB's sync nonce, session passwords, snapshot jitter. */
export interface Rng extends ZabRng {
  /** `n` random bytes (session passwords) */
  bytes(n: number): Buffer;
}

/** A draw in [0, 1) from `rng`, for APIs that take Math.random's shape (jitter, thresholds). */
export function unitDraw(rng: ZabRng): number {
  return rng.nextUint32() / 2 ** 32;
}

/** Where the member says what it does; one line per call. */
export interface MemberLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, err?: unknown): void;
}

export interface MemberDeps {
  clock: Clock;
  rng: Rng;
  logger: MemberLogger;
  /**
   * A storage error the member cannot continue from (its log or snapshot is no longer trustworthy).
   * The app exits; a test fails.
   */
  onFatal(err: unknown): void;
  /**
   * The quorum links of a member that has peers (default: `tcp()`, PeerLinks on the configured
   * ports with this member's clock and rng). Tests wrap `tcp()` to cut links between in-process members.
   */
  transport?(config: MemberConfig, tcp: () => QuorumTransport): QuorumTransport;
}
