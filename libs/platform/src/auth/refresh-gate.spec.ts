import { describe, expect, it } from 'vitest';
import { RefreshGate } from './refresh-gate.js';

/** A gate over refreshes the test settles by hand, on a clock the test moves. */
function gate(minIntervalMs = 1000) {
  let now = 0;
  const sleepers: Array<{ until: number; wake: () => void }> = [];
  const runs: Array<{ startedAt: number; resolve: () => void; reject: (e: Error) => void }> = [];
  const g = new RefreshGate(
    () => new Promise<void>((resolve, reject) => runs.push({ startedAt: now, resolve, reject })),
    minIntervalMs,
    () => now,
    (ms) => new Promise<void>((wake) => sleepers.push({ until: now + ms, wake })),
  );
  const settle = () => new Promise<void>((r) => setImmediate(r));
  return {
    g,
    runs,
    settle,
    /** Moves the clock and wakes whoever slept until then. */
    async advance(ms: number) {
      now += ms;
      for (const s of sleepers.splice(0)) {
        if (s.until <= now) s.wake();
        else sleepers.push(s);
      }
      await settle();
    },
  };
}

describe('RefreshGate', () => {
  it('shares one refresh among concurrent misses and reports its success to each', async () => {
    const { g, runs, settle } = gate();
    const answers = [g.attempt(), g.attempt(), g.attempt()];
    await settle();
    expect(runs).toHaveLength(1);
    runs[0]!.resolve();
    expect(await Promise.all(answers)).toEqual([true, true, true]);
  });

  it('answers a miss inside the interval with the next refresh instead of refusing it', async () => {
    // The case it exists for: a made-up kid caught up a moment ago, then a genuine new key's token
    // arrives; it must be checked against a refresh that started after it, not refused.
    const { g, runs, advance } = gate(1000);
    const junk = g.attempt();
    await advance(0);
    runs[0]!.resolve();
    expect(await junk).toBe(true);

    await advance(200);
    let answered: boolean | undefined;
    void g.attempt().then((ok) => (answered = ok));
    await advance(700);
    expect(runs).toHaveLength(1); // still inside the interval: no second refresh yet
    expect(answered).toBeUndefined();
    await advance(100);
    expect(runs).toHaveLength(2);
    expect(runs[1]!.startedAt).toBe(1000);
    runs[1]!.resolve();
    await advance(0);
    expect(answered).toBe(true);
  });

  it('does not answer a miss with a refresh that was already running when it came', async () => {
    const { g, runs, advance } = gate(1000);
    const first = g.attempt();
    await advance(0);
    await advance(300);
    const second = g.attempt(); // the running refresh may have read before this caller's key was written
    runs[0]!.resolve();
    expect(await first).toBe(true);
    await advance(0);
    expect(runs).toHaveLength(1);
    await advance(700);
    expect(runs).toHaveLength(2);
    runs[1]!.resolve();
    expect(await second).toBe(true);
  });

  it('starts at most one refresh per interval however many misses arrive', async () => {
    const { g, runs, advance } = gate(1000);
    const answers: Promise<boolean>[] = [];
    for (let t = 0; t < 5000; t += 10) {
      answers.push(g.attempt());
      await advance(10);
      for (const r of runs) r.resolve();
    }
    await advance(1000);
    for (const r of runs) r.resolve();
    expect(await Promise.all(answers)).toEqual(answers.map(() => true));
    const starts = runs.map((r) => r.startedAt);
    expect(starts.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(1000);
  });

  it('answers false when the refresh fails, and the next miss gets a new refresh after the interval', async () => {
    const { g, runs, advance } = gate(1000);
    const first = g.attempt();
    await advance(0);
    runs[0]!.reject(new Error('connection loss'));
    expect(await first).toBe(false);
    await advance(500);
    const second = g.attempt();
    await advance(0);
    expect(runs).toHaveLength(1);
    await advance(500);
    expect(runs).toHaveLength(2);
    runs[1]!.resolve();
    expect(await second).toBe(true);
  });
});
