import { describe, expect, it } from 'vitest';
import {
  BadVersionError,
  ConnectionLossError,
  NodeExistsError,
  OperationTimeoutError,
  SessionExpiredError,
  SessionMovedError,
} from '@registrar/coordination';
import { BOOT_BACKOFF, isTransientCoordinatorError, retryTransient } from './boot-retry.js';

describe('boot retry', () => {
  it('waits the shared backoff after each transient failure: the base first, doubling up to the cap', async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls <= 5) throw new ConnectionLossError();
        return 'registered';
      },
      {
        signal: new AbortController().signal,
        policy: { baseMs: 2, maxMs: 10 },
        random: () => 0.999999,
        onRetry: (_e, _attempt, delayMs) => delays.push(delayMs),
      },
    );
    expect(result).toBe('registered');
    expect(delays).toEqual([2, 4, 8, 10, 10]);
    expect(BOOT_BACKOFF).toEqual({ baseMs: 100, maxMs: 5_000 });
  });

  it('treats session trouble as transient and everything else as final', () => {
    for (const err of [
      new ConnectionLossError(),
      new SessionExpiredError(),
      new SessionMovedError(),
      new OperationTimeoutError(),
    ]) {
      expect(isTransientCoordinatorError(err)).toBe(true);
    }
    for (const err of [new NodeExistsError('/x'), new BadVersionError('/x'), new Error('bug'), undefined]) {
      expect(isTransientCoordinatorError(err)).toBe(false);
    }
  });

  const fast = { baseMs: 1, maxMs: 4 };

  it('retryTransient retries session trouble until the step succeeds, reporting each retry', async () => {
    let calls = 0;
    const retries: number[] = [];
    const result = await retryTransient(
      async () => {
        calls++;
        if (calls < 4) throw new ConnectionLossError();
        return 'done';
      },
      { signal: new AbortController().signal, policy: fast, onRetry: (_e, attempt) => retries.push(attempt) },
    );
    expect(result).toBe('done');
    expect(calls).toBe(4);
    expect(retries).toEqual([1, 2, 3]);
  });

  it('retryTransient rethrows the first failure that is not transient, without retrying it', async () => {
    let calls = 0;
    const failure = new NodeExistsError('/x');
    await expect(
      retryTransient(
        async () => {
          calls++;
          if (calls === 1) throw new SessionExpiredError();
          throw failure;
        },
        { signal: new AbortController().signal, policy: fast },
      ),
    ).rejects.toBe(failure);
    expect(calls).toBe(2);
  });

  it('retryTransient takes a predicate for what else is transient', async () => {
    let calls = 0;
    const result = await retryTransient(
      async () => {
        if (++calls === 1) throw new BadVersionError('/x');
        return calls;
      },
      {
        signal: new AbortController().signal,
        policy: fast,
        isTransient: (e) => e instanceof BadVersionError,
      },
    );
    expect(result).toBe(2);
  });

  it('retryTransient stops waiting and resolves undefined once aborted (shutdown during a retry)', async () => {
    const stop = new AbortController();
    let calls = 0;
    const pending = retryTransient(
      async () => {
        calls++;
        throw new ConnectionLossError();
      },
      { signal: stop.signal, policy: { baseMs: 60_000, maxMs: 60_000 } },
    );
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await expect(pending).resolves.toBeUndefined();
    expect(calls).toBe(1);
  });
});
