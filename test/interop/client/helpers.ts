import type { ClientState, WatchEvent } from '../../../libs/coordination/src/client/index.js';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { FaultInjectingClient } from '../../../libs/coordination/src/testing/fault-injecting-client.js';

/**
 * Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`, and with what
 * `detail` says of the state at that moment, when given).
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
  detail?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}${detail ? `; ${detail()}` : ''}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Records every state change of a client. */
export function recordStates(client: ZooKeeperClient): ClientState[] {
  const states: ClientState[] = [];
  client.on('state', (s) => states.push(s));
  return states;
}

/** A watch listener that records events. */
export function recorder(): { events: WatchEvent[]; listener: (e: WatchEvent) => void } {
  const events: WatchEvent[] = [];
  return { events, listener: (e) => events.push(e) };
}

/** Clients opened by a suite (with the fault hooks), closed in afterAll/afterEach. */
export class ClientPool {
  private readonly clients = new Set<ZooKeeperClient>();
  async open(
    connectString: string,
    opts: Parameters<typeof ZooKeeperClient.connect>[1] = {},
  ): Promise<FaultInjectingClient> {
    const c = await FaultInjectingClient.connect(connectString, { sessionTimeout: 8000, ...opts });
    this.clients.add(c);
    return c;
  }
  async closeAll(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.close().catch(() => undefined)));
    this.clients.clear();
  }
}
