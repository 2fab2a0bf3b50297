import { describe, expect, it } from 'vitest';
import { faultInjectionError } from './fault-errors.js';
import type { FaultRecord } from './nemesis.js';

const rec = (description: string, error?: string): FaultRecord => ({
  kind: 'kill',
  description,
  injectedAtMs: 0,
  healedAtMs: 10,
  ...(error ? { error } : {}),
});

describe('faultInjectionError', () => {
  it('is undefined when every fault was injected and healed', () => {
    expect(faultInjectionError([rec('kill -9 member 1'), rec('SIGSTOP member 2')])).toBeUndefined();
  });

  it('names the faults that failed, so the run fails as a harness error', () => {
    const e = faultInjectionError([
      rec('kill -9 member 1'),
      rec('kill -9 member 2', 'heal: member 2 did not become ready in time'),
    ]);
    expect(e).toBe(
      'fault injection failed 1 time(s): kill -9 member 2: heal: member 2 did not become ready in time',
    );
  });
});
