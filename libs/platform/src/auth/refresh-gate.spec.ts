import { describe, expect, it } from 'vitest';
import { RefreshGate } from './refresh-gate.js';

function gate(cooldownMs = 1000) {
  let now = 0;
  const runs: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const g = new RefreshGate(
    () => new Promise<void>((resolve, reject) => runs.push({ resolve, reject })),
    cooldownMs,
    () => now,
  );
  return { g, runs, advance: (ms: number) => (now += ms) };
}

describe('RefreshGate', () => {
  it('shares one refresh among concurrent misses and reports its success to each', async () => {
    const { g, runs } = gate();
    const answers = [g.attempt(), g.attempt(), g.attempt()];
    expect(runs).toHaveLength(1);
    runs[0]!.resolve();
    expect(await Promise.all(answers)).toEqual([true, true, true]);
  });

  it('refuses a second refresh inside the cooldown and allows one after it', async () => {
    const { g, runs, advance } = gate(1000);
    const first = g.attempt();
    runs[0]!.resolve();
    expect(await first).toBe(true);
    advance(999);
    expect(await g.attempt()).toBe(false);
    expect(runs).toHaveLength(1);
    advance(1);
    const third = g.attempt();
    expect(runs).toHaveLength(2);
    runs[1]!.resolve();
    expect(await third).toBe(true);
  });

  it('answers false when the refresh fails, and the cooldown still holds after a failure', async () => {
    const { g, runs, advance } = gate(1000);
    const first = g.attempt();
    runs[0]!.reject(new Error('connection loss'));
    expect(await first).toBe(false);
    advance(500);
    expect(await g.attempt()).toBe(false);
    expect(runs).toHaveLength(1);
  });
});
