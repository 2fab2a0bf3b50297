/**
 * Key rotation for workloads (Jepsen's `independent`): all workers hit one key until it has seen
 * `opsPerKey` operations, then move on to a fresh key, so contention stays high while each checker
 * partition stays small enough to search.
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { closeQuietly } from '../harness/chaos-client.js';
import { NodeExistsError } from '../../../libs/coordination/src/protocol/errors.js';

export class KeyRotation {
  private index = 0;
  private opsOnKey = 0;
  private readonly created = new Set<string>();
  private readonly seen: string[] = [];

  constructor(
    private readonly root: string,
    private readonly opsPerKey: number,
  ) {}

  /** The key workers should use now. */
  current(): string {
    const key = `${this.root}/k${this.index}`;
    // Keys only move forward, so the newest listed one is the only one to compare with.
    if (this.seen[this.seen.length - 1] !== key) this.seen.push(key);
    return key;
  }

  /** Counts one operation on the current key, rotating when it has had its share. */
  count(): void {
    if (++this.opsOnKey >= this.opsPerKey) {
      this.index++;
      this.opsOnKey = 0;
    }
  }

  /** Creates `key` with `initial` data once (NODEEXISTS from a racing worker is fine). */
  async ensure(zk: ZooKeeperClient, key: string, initial: string): Promise<void> {
    if (this.created.has(key)) return;
    try {
      await zk.create(key, initial);
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
    this.created.add(key);
  }

  /** Every key handed out so far, in order. */
  used(): string[] {
    return [...this.seen];
  }
}

/** Creates every missing ancestor of `path` and `path` itself (persistent, empty). */
export async function ensurePath(zk: ZooKeeperClient, path: string): Promise<void> {
  let at = '';
  for (const part of path.split('/').filter((p) => p !== '')) {
    at += '/' + part;
    try {
      await zk.create(at, '');
    } catch (err) {
      if (!(err instanceof NodeExistsError)) throw err;
    }
  }
}

/** Opens a short-lived session on `connectString` to create `path` and its ancestors. */
export async function ensureRoot(connectString: string, path: string): Promise<void> {
  const setup = await ZooKeeperClient.connect(connectString, { sessionTimeout: 10_000 });
  try {
    await ensurePath(setup, path);
  } finally {
    await closeQuietly(setup);
  }
}
