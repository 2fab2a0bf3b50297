/**
 * Shared counter (Curator's SharedCount layout: the value is a 4-byte big-endian signed int in the
 * node's data). Updates are compare-and-set on the node version: read value and version, write with
 * that version, and on BadVersion re-read and try again, so concurrent increments are never lost.
 */
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { BadVersionError, NodeExistsError } from '../protocol/errors.js';
import { ensurePath, retryOnLoss } from './zk-ops.js';

/** A counter value with the node version it was read at. */
export interface VersionedValue {
  value: number;
  version: number;
}

function encode(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(value);
  return b;
}

function decode(data: Buffer): number {
  return data.length >= 4 ? data.readInt32BE(0) : 0;
}

/**
 * @example
 *   const seats = new SharedCounter(zk, '/counters/course-42-seats');
 *   await seats.start();
 *   const next = await seats.add(1); // value after our increment
 */
export class SharedCounter {
  constructor(
    private readonly client: ZooKeeperClient,
    readonly path: string,
    private readonly initial = 0,
  ) {}

  /** Creates the counter node with the initial value if missing. */
  async start(): Promise<void> {
    const parent = this.path.slice(0, this.path.lastIndexOf('/')) || '/';
    await ensurePath(this.client, parent);
    try {
      await retryOnLoss(() => this.client.create(this.path, encode(this.initial)));
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }

  /** Current value and version. */
  async get(): Promise<VersionedValue> {
    const { data, stat } = await retryOnLoss(() => this.client.getData(this.path));
    return { value: decode(data), version: stat.version };
  }

  /**
   * Sets the value only if the node is still at `expected.version`; false when someone else wrote
   * first (re-read and decide again).
   */
  async trySet(expected: VersionedValue, value: number): Promise<boolean> {
    try {
      await this.client.setData(this.path, encode(value), expected.version);
      return true;
    } catch (e) {
      if (e instanceof BadVersionError) return false;
      throw e;
    }
  }

  /** Adds `delta` atomically (CAS loop); returns the value after our update. */
  async add(delta: number): Promise<number> {
    for (;;) {
      const current = await this.get();
      const next = (current.value + delta) | 0;
      try {
        await this.client.setData(this.path, encode(next), current.version);
        return next;
      } catch (e) {
        if (e instanceof BadVersionError) continue;
        // A lost reply leaves us unsure whether our write landed; re-reading cannot tell us either
        // (someone may have written since), so the caller must decide: surface it.
        throw e;
      }
    }
  }
}
