import { describe, expect, it } from 'vitest';
import { HostProvider } from './host-provider.js';

/** Deterministic rng (mulberry32); the seed is printed so a failure can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hosts = [1, 2, 3, 4].map((p) => ({ host: '127.0.0.1', port: p }));

describe('HostProvider', () => {
  it('shuffles with the injected rng and rotates through every host once per round', () => {
    const seed = Date.now() % 100000;
    console.log(`host-provider seed ${seed}`);
    const hp = new HostProvider(hosts, seeded(seed));
    const round1 = [0, 1, 2, 3].map(() => hp.next().host.port);
    const round2 = [0, 1, 2, 3].map(() => hp.next().host.port);
    expect([...round1].sort()).toEqual([1, 2, 3, 4]);
    expect(round2).toEqual(round1);
    // Same seed, same order.
    const again = new HostProvider(hosts, seeded(seed));
    expect([0, 1, 2, 3].map(() => again.next().host.port)).toEqual(round1);
  });

  it('different rngs give different orders (spreading clients)', () => {
    const orders = new Set<string>();
    for (let s = 1; s <= 20; s++) {
      const hp = new HostProvider(hosts, seeded(s));
      orders.add(hp.order.map((h) => h.port).join(','));
    }
    expect(orders.size).toBeGreaterThan(5);
  });

  it('no delay within the first round; growing capped delay after full failed rounds; reset on connect', () => {
    const hp = new HostProvider(hosts, () => 0.999999, { baseBackoffMs: 100, maxBackoffMs: 350 });
    expect([0, 1, 2, 3].map(() => hp.next().delayMs)).toEqual([0, 0, 0, 0]);
    const r2 = [0, 1, 2, 3].map(() => hp.next().delayMs);
    expect(r2.every((d) => d === 100)).toBe(true);
    expect(hp.next().delayMs).toBe(200);
    for (let i = 0; i < 3; i++) hp.next();
    expect(hp.next().delayMs).toBe(350); // 400 capped
    hp.onConnected();
    expect(hp.next().delayMs).toBe(0);
  });

  it('jitter keeps the delay within [50%, 100%] of the round delay', () => {
    const hp = new HostProvider([hosts[0]!], () => 0, { baseBackoffMs: 100 });
    hp.next();
    expect(hp.next().delayMs).toBe(50);
  });

  it('moves to the next host after a failure', () => {
    const hp = new HostProvider(hosts, seeded(7));
    const a = hp.next().host;
    const b = hp.next().host;
    expect(b).not.toEqual(a);
  });
});
