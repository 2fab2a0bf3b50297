import { describe, expect, it } from 'vitest';
import { HostProvider } from '../../../libs/coordination/src/client/host-provider.js';
import { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import { keepOrderRng } from './pinned-client.js';

const hosts = [2001, 2002, 2003, 2004].map((port) => ({ host: '127.0.0.1', port }));

describe('keepOrderRng', () => {
  it('makes the client dial hosts in the order given, for any seed', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const provider = new HostProvider(hosts, keepOrderRng(new SeededRng(seed), hosts.length));
      expect(
        provider.order.map((h) => h.port),
        `seed ${seed}`,
      ).toEqual([2001, 2002, 2003, 2004]);
      expect(provider.next().host.port).toBe(2001);
    }
  });

  it('hands later draws (backoff jitter) to the seeded rng', () => {
    const rng = keepOrderRng(new SeededRng(7), 3);
    const reference = new SeededRng(7);
    expect([rng(), rng()]).toEqual([0.999999, 0.999999]);
    expect(rng()).toBe(reference.next());
  });
});
