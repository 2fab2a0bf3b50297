/**
 * The coordinator session a platform scenario audits through (history children, final reads,
 * registry owners). Faults can outlast its session (a member killed while the machine is loaded,
 * the test process itself stalled): an expired session is replaced by a new one rather than failing
 * the run, since an audit read needs no session identity, only answers.
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { within } from './bounded.js';
import { closeQuietly } from './chaos-client.js';

const DEAD: ReadonlySet<string> = new Set(['EXPIRED', 'CLOSED', 'AUTH_FAILED']);
const SESSION_TIMEOUT_MS = 10_000;
const CONNECT_BOUND_MS = 15_000;

export class AuditClient {
  private replacing: Promise<ZooKeeperClient> | undefined;
  replacements = 0;

  private constructor(
    private readonly connectString: string,
    private zk: ZooKeeperClient,
  ) {}

  static async connect(connectString: string): Promise<AuditClient> {
    return new AuditClient(connectString, await AuditClient.dial(connectString));
  }

  /** A live client: the current one, or a new session once the current one has ended. */
  async client(): Promise<ZooKeeperClient> {
    if (!DEAD.has(this.zk.state)) return this.zk;
    this.replacing ??= (async () => {
      try {
        await closeQuietly(this.zk);
        this.zk = await AuditClient.dial(this.connectString);
        this.replacements++;
        return this.zk;
      } finally {
        this.replacing = undefined;
      }
    })();
    return this.replacing;
  }

  close(): Promise<void> {
    return closeQuietly(this.zk);
  }

  private static dial(connectString: string): Promise<ZooKeeperClient> {
    return within(
      ZooKeeperClient.connect(connectString, { sessionTimeout: SESSION_TIMEOUT_MS }),
      CONNECT_BOUND_MS,
      'audit client connect',
    );
  }
}
