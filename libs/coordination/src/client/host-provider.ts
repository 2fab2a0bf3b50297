/**
 * Chooses the next server to try. The list is shuffled once (with an injected rng, so tests are
 * deterministic) to spread clients over an ensemble, then walked round-robin: a failure moves to the
 * next host. After a whole round without a successful handshake the caller is told to back off,
 * with an exponentially growing, capped delay, so a dead ensemble is not hammered in a tight loop.
 */
import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { BadArgumentsError } from '../protocol/errors.js';
import type { HostAddress } from './connect-string.js';

/** Returns a float in [0, 1). */
export type Rng = () => number;

export interface HostProviderOptions {
  /** Delay after the first fully failed round, ms (default 50). */
  baseBackoffMs?: number;
  /** Cap on the round delay, ms (default 2000). */
  maxBackoffMs?: number;
}

/** The next host to try and how long to wait before dialing it. */
export interface NextHost {
  host: HostAddress;
  delayMs: number;
}

/**
 * @example
 *   const hosts = new HostProvider(parseConnectString(cs).hosts, Math.random);
 *   const { host, delayMs } = hosts.next(); // dial after delayMs; call hosts.onConnected() on success
 */
export class HostProvider {
  private readonly hosts: HostAddress[];
  private index = -1;
  /** Attempts since the last successful connection. */
  private failedInRow = 0;
  private readonly backoff: BackoffPolicy;

  constructor(
    hosts: readonly HostAddress[],
    private readonly rng: Rng,
    opts: HostProviderOptions = {},
  ) {
    if (hosts.length === 0)
      throw new BadArgumentsError(undefined, { detail: 'HostProvider needs at least one host' });
    this.hosts = shuffle([...hosts], rng);
    this.backoff = { baseMs: opts.baseBackoffMs ?? 50, maxMs: opts.maxBackoffMs ?? 2000 };
  }

  /** Number of hosts. */
  get size(): number {
    return this.hosts.length;
  }

  /** The hosts in the order they will be tried. */
  get order(): readonly HostAddress[] {
    return this.hosts;
  }

  /**
   * The next host. `delayMs` is 0 inside a round and grows when a full round has failed since the
   * last success (with jitter in [50%, 100%] so a crowd of clients does not reconnect in lockstep).
   */
  next(): NextHost {
    this.index = (this.index + 1) % this.hosts.length;
    const rounds = Math.floor(this.failedInRow / this.hosts.length);
    this.failedInRow++;
    let delayMs = 0;
    if (rounds > 0) delayMs = backoffDelay(rounds - 1, this.backoff, this.rng);
    return { host: this.hosts[this.index]!, delayMs };
  }

  /** A handshake succeeded: the next failure starts a fresh round without delay. */
  onConnected(): void {
    this.failedInRow = 0;
  }
}

function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
