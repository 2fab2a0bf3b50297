import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { ClientState } from '../client/client-types.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import { SessionBinding } from './session-binding.js';

/** Just enough of a client: a state and 'state' events. */
class FakeClient extends EventEmitter {
  closed = 0;
  constructor(public state: ClientState = 'CONNECTED') {
    super();
  }
  to(next: ClientState): void {
    const prev = this.state;
    this.state = next;
    this.emit('state', next, prev);
  }
  async close(): Promise<void> {
    this.closed++;
    this.to('CLOSED');
  }
}
const asClient = (c: FakeClient) => c as unknown as ZooKeeperClient;
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SessionBinding', () => {
  it('reports a resume after DISCONNECTED as reconnected, not as a new client', () => {
    const c = new FakeClient();
    const b = new SessionBinding(asClient(c));
    const seen: string[] = [];
    b.on('reconnected', () => seen.push('reconnected'));
    b.on('client', () => seen.push('client'));
    c.to('DISCONNECTED');
    c.to('CONNECTED');
    expect(seen).toEqual(['reconnected']);
  });

  it('moves to a factory-made client after expiry, retrying a failing factory, and owns what it made', async () => {
    const first = new FakeClient();
    const made: FakeClient[] = [];
    let calls = 0;
    const b = new SessionBinding(asClient(first), {
      retryDelayMs: 1,
      clientFactory: async () => {
        if (++calls < 3) throw new Error('no server yet');
        const c = new FakeClient();
        made.push(c);
        return asClient(c);
      },
    });
    const errors: unknown[] = [];
    b.on('error', (e) => errors.push(e));
    const switched = new Promise((r) => b.once('client', r));
    first.to('EXPIRED');
    await switched;
    expect(calls).toBe(3);
    expect(errors).toHaveLength(2);
    expect(b.client).toBe(asClient(made[0]!));
    // The first client belongs to the caller: not closed by us.
    expect(first.closed).toBe(0);
    await b.close();
    expect(made[0]!.closed).toBe(1);
  });

  it('retries a failing factory after jittered, doubling, capped delays', async () => {
    vi.useFakeTimers();
    try {
      const first = new FakeClient();
      const callsAt: number[] = [];
      const b = new SessionBinding(asClient(first), {
        retryDelayMs: 1000,
        clientFactory: async () => {
          callsAt.push(Date.now());
          throw new Error('ensemble down');
        },
      });
      b.on('error', () => undefined);
      first.to('EXPIRED');
      await vi.advanceTimersByTimeAsync(40_000);
      await b.close();
      const gaps = callsAt.slice(1).map((t, i) => t - callsAt[i]!);
      expect(gaps.length).toBeGreaterThanOrEqual(8);
      // caps 1000, 2000, 4000, then 5000; each delay in the upper half of its cap
      const caps = gaps.map((_, i) => Math.min(5000, 1000 * 2 ** i));
      gaps.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual(caps[i]! / 2);
        expect(g).toBeLessThanOrEqual(caps[i]!);
      });
      // jittered: not every capped delay is the same (a lockstep retry would be)
      expect(new Set(gaps.slice(3)).size).toBeGreaterThan(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a factory, expiry is reported as lost; a caller closing its own client is not "replaced"', async () => {
    const c = new FakeClient();
    let made = 0;
    const lost: ClientState[] = [];
    const noFactory = new SessionBinding(asClient(c));
    noFactory.on('lost', (s) => lost.push(s));
    c.to('EXPIRED');
    expect(lost).toEqual(['EXPIRED']);

    const d = new FakeClient();
    const withFactory = new SessionBinding(asClient(d), {
      clientFactory: async () => {
        made++;
        return asClient(new FakeClient());
      },
    });
    await d.close();
    await tick();
    expect(made).toBe(0);
    await withFactory.close();
  });
});
