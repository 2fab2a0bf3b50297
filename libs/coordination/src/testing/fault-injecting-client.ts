/**
 * A ZooKeeperClient that tests can hurt on purpose: drop its TCP connection as a network blip
 * would, or starve its session of pings as a long GC pause would. Test-only (tests and the chaos
 * harness); the production class carries no such hooks and the package entry does not export this.
 */
import type { ClientOptions } from '../client/client-types.js';
import { ZooKeeperClient } from '../client/zookeeper-client.js';

/**
 * @example
 *   const zk = await FaultInjectingClient.connect(connectString, { sessionTimeout: 1000 });
 *   zk.pauseHeartbeat(); // the server expires the session; the client sees EXPIRED
 */
export class FaultInjectingClient extends ZooKeeperClient {
  /** Like ZooKeeperClient.connect, with the fault hooks. */
  static override async connect(
    connectString: string,
    opts: ClientOptions = {},
  ): Promise<FaultInjectingClient> {
    const client = new FaultInjectingClient(connectString, opts);
    await client.start();
    return client;
  }

  /** Drops the TCP connection (not the session); the client reconnects and resumes. */
  dropConnection(): void {
    this.lifecycle.dropConnection();
  }

  /**
   * Stops pinging and stops presuming the server dead, so the server expires the session while
   * the connection stays up. `pauseHeartbeat(false)` resumes.
   */
  pauseHeartbeat(paused = true): void {
    this.lifecycle.heartbeat.paused = paused;
  }
}
