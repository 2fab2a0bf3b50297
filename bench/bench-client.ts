/**
 * The few operations the workloads issue, behind one interface, so the same workload can be driven
 * by our ZooKeeperClient or by node-zookeeper-client (the third-party client the figures
 * were measured with: it sends every request at once, no batching, as most ZooKeeper clients do).
 */
import zookeeper, { type Client } from 'node-zookeeper-client';
import { ZooKeeperClient } from '../libs/coordination/src/client/zookeeper-client.js';
import { NodeZkSession } from '../test/support/node-zk.js';

export type BenchClientKind = 'registrar' | 'node-zookeeper-client';

export const BENCH_CLIENTS: readonly BenchClientKind[] = ['registrar', 'node-zookeeper-client'];

/** What a workload may call (ZooKeeperClient satisfies it as is). */
export interface BenchClient {
  create(path: string, data?: Buffer, opts?: { mode?: 'ephemeral_sequential' }): Promise<{ path: string }>;
  setData(path: string, data: Buffer): Promise<unknown>;
  getData(path: string): Promise<unknown>;
  exists(path: string): Promise<unknown>;
  getChildren(path: string): Promise<string[]>;
  delete(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens one session with the chosen client library. */
export function connectBenchClient(kind: BenchClientKind, connectString: string): Promise<BenchClient> {
  if (kind === 'registrar') return ZooKeeperClient.connect(connectString, { sessionTimeout: 30_000 });
  return NodeZkBenchClient.connect(connectString);
}

/** Errors carry ZooKeeper's code as `code`, as our client's errors do (workloads test -110). */
class NodeZkBenchClient implements BenchClient {
  private constructor(private readonly client: Client) {}

  static async connect(connectString: string): Promise<BenchClient> {
    return new NodeZkBenchClient((await NodeZkSession.connect(connectString, 15_000, 30_000)).client);
  }

  create(path: string, data?: Buffer, opts?: { mode?: 'ephemeral_sequential' }): Promise<{ path: string }> {
    const mode =
      opts?.mode === 'ephemeral_sequential'
        ? zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL
        : zookeeper.CreateMode.PERSISTENT;
    return call<[string]>((cb) =>
      this.client.create(path, data ?? null, zookeeper.ACL.OPEN_ACL_UNSAFE, mode, cb),
    ).then(([p]) => ({ path: p }));
  }

  setData(path: string, data: Buffer): Promise<unknown> {
    return call((cb) => this.client.setData(path, data, -1, cb));
  }

  getData(path: string): Promise<unknown> {
    return call((cb) => this.client.getData(path, undefined, cb));
  }

  exists(path: string): Promise<unknown> {
    return call((cb) => this.client.exists(path, undefined, cb));
  }

  getChildren(path: string): Promise<string[]> {
    return call<[string[]]>((cb) => this.client.getChildren(path, undefined, cb)).then(([c]) => c);
  }

  delete(path: string): Promise<void> {
    return call((cb) => this.client.remove(path, -1, cb)).then(() => undefined);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.client.once('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.close();
    });
  }
}

function call<T extends unknown[] = unknown[]>(
  invoke: (cb: (error: Error | null, ...rest: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    invoke((error, ...rest) => {
      if (!error) return resolve(rest);
      const code = (error as { getCode?: () => number }).getCode?.();
      reject(Object.assign(error, { code }));
    });
  });
}
