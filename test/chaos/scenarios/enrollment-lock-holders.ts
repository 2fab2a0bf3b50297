/**
 * Who holds a course's lock right now, read from the coordinator (the lowest `...-lock-<seq>` child
 * of the lock path; its data is the holder's INSTANCE_ID). The service nemesis pauses that instance
 * so the SIGSTOP lands while it holds the lock, the moment fencing tokens exist for.
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { within } from '../harness/bounded.js';
import { closeQuietly } from '../harness/chaos-client.js';

const OP_BOUND_MS = 1_000;

export class LockHolders {
  private constructor(
    private readonly zk: ZooKeeperClient,
    private readonly lockPath: (courseId: string) => string,
  ) {}

  static async connect(connectString: string, lockPath: (courseId: string) => string): Promise<LockHolders> {
    const zk = await within(
      ZooKeeperClient.connect(connectString, { sessionTimeout: 4_000 }),
      15_000,
      'connect',
    );
    return new LockHolders(zk, lockPath);
  }

  /** The instance id holding `courseId`'s lock, or undefined (free, or the coordinator did not answer). */
  async holder(courseId: string): Promise<string | undefined> {
    try {
      const path = this.lockPath(courseId);
      const children = await within(this.zk.getChildren(path), OP_BOUND_MS, 'getChildren');
      const first = children.filter((c) => /-lock-\d+$/.test(c)).sort((a, b) => seq(a) - seq(b))[0];
      if (first === undefined) return undefined;
      const { data } = await within(this.zk.getData(`${path}/${first}`), OP_BOUND_MS, 'getData');
      return data.toString();
    } catch {
      return undefined;
    }
  }

  close(): Promise<void> {
    return closeQuietly(this.zk);
  }
}

function seq(name: string): number {
  return Number(/-lock-(\d+)$/.exec(name)?.[1] ?? Number.MAX_SAFE_INTEGER);
}
