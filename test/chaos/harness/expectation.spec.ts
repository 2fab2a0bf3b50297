import { describe, expect, it } from 'vitest';
import { judge, parseExpectation } from './expectation.js';
import type { RunReport } from './runner.js';

const run = (kinds: string[], error?: string): RunReport => ({
  scenario: 'register',
  seed: 1,
  members: 3,
  wallMs: 1000,
  ops: { total: 10, ok: 10, fail: 0, unknown: 0 },
  faults: 1,
  clientFaults: 0,
  faultErrors: 0,
  faultLog: [],
  anomalies: kinds.map((kind) => ({ kind, message: kind })),
  stats: {},
  historyFile: '/tmp/x',
  ...(error ? { error } : {}),
});

describe('parseExpectation', () => {
  it('reads none, anomaly, and kinds (which imply anomaly)', () => {
    expect(parseExpectation('none', undefined)).toEqual({ kind: 'none' });
    expect(parseExpectation('anomaly', undefined)).toEqual({ kind: 'anomaly' });
    expect(parseExpectation('none', 'premature-expiry, expired-while-connected')).toEqual({
      kind: 'anomaly',
      kinds: ['premature-expiry', 'expired-while-connected'],
    });
  });

  it('refuses an unknown --expect', () => {
    expect(() => parseExpectation('some', undefined)).toThrow(RangeError);
  });
});

describe('judge', () => {
  it('none: met only without anomalies and harness errors', () => {
    expect(judge([run([]), run([])], { kind: 'none' }).met).toBe(true);
    expect(judge([run([]), run(['divergence'])], { kind: 'none' }).met).toBe(false);
    expect(judge([run([], 'ClusterUnavailableError')], { kind: 'none' }).met).toBe(false);
  });

  it('a named kind is not met by an anomaly of another kind', () => {
    const v = judge([run(['member-not-rejoining']), run(['divergence'])], {
      kind: 'anomaly',
      kinds: ['version-conflict'],
    });
    expect(v.met).toBe(false);
    expect(v.summary).toContain('seen instead: member-not-rejoining x1, divergence x1');
  });

  it('a named kind counts the runs that report it', () => {
    const v = judge([run(['version-conflict', 'divergence']), run([]), run(['version-conflict'])], {
      kind: 'anomaly',
      kinds: ['not-linearizable', 'version-conflict'],
    });
    expect(v.met).toBe(true);
    expect(v.catchingRuns).toBe(2);
    expect(v.kindsSeen).toEqual({ 'version-conflict': 2, divergence: 1 });
  });

  it('anomaly without kinds is met by any anomaly', () => {
    expect(judge([run([]), run(['divergence'])], { kind: 'anomaly' }).met).toBe(true);
    expect(judge([run([])], { kind: 'anomaly' }).met).toBe(false);
  });
});
