/**
 * Clients that start on a chosen member but may fail over to any other: the full connect string
 * with that member first, and host order kept as given. Plus small bounded-wait helpers the
 * session and watch scenarios share.
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import type { ClientState } from '../../../libs/coordination/src/client/client-types.js';
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import { FaultInjectingClient } from '../../../libs/coordination/src/testing/fault-injecting-client.js';
import type { ChaosCluster } from '../harness/chaos-cluster.js';

/** Every member, `first` leading, then the others in id order after it. */
export function pinnedConnectString(cluster: ChaosCluster, first: number): string {
  const ids = [...cluster.ids];
  const at = Math.max(0, ids.indexOf(first));
  return [...ids.slice(at), ...ids.slice(0, at)].map((id) => cluster.memberConnectString(id)).join(',');
}

/**
 * The client shuffles its host list with the first `hosts - 1` rng draws (Fisher-Yates from the end);
 * a draw just below 1 keeps each element in place, so the pinned member really is dialed first.
 * Later draws (backoff jitter) come from the seeded rng.
 */
export function keepOrderRng(rng: SeededRng, hosts: number): () => number {
  let calls = 0;
  return () => (calls++ < hosts - 1 ? 0.999999 : rng.next());
}

/** Connects to `first` with failover to the rest of the ensemble (with the fault hooks). */
export function connectPinned(
  cluster: ChaosCluster,
  first: number,
  rng: SeededRng,
  sessionTimeout: number,
): Promise<FaultInjectingClient> {
  return FaultInjectingClient.connect(pinnedConnectString(cluster, first), {
    sessionTimeout,
    connectTimeout: 1000,
    initialConnectTimeout: 3000,
    rng: keepOrderRng(rng, cluster.size),
  });
}

/** The member id serving `host` ("127.0.0.1:port"), if any. */
export function memberOfHost(cluster: ChaosCluster, host: string | undefined): number | undefined {
  if (host === undefined) return undefined;
  return cluster.memberOfClientPort(Number(host.slice(host.lastIndexOf(':') + 1)));
}

export { WaitTimeoutError, within } from '../harness/bounded.js';

/** Resolves true once `zk` is in one of `states`, false after `ms`. */
export async function waitForStates(
  zk: ZooKeeperClient,
  states: readonly ClientState[],
  ms: number,
): Promise<boolean> {
  if (states.includes(zk.state)) return true;
  return new Promise((resolve) => {
    const on = (s: ClientState) => {
      if (!states.includes(s)) return;
      done(true);
    };
    const timer = setTimeout(() => done(false), ms);
    const done = (v: boolean) => {
      clearTimeout(timer);
      zk.off('state', on);
      resolve(v);
    };
    zk.on('state', on);
  });
}
