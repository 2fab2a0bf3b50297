import { describe, expect, it } from 'vitest';
import { checkSet } from './set-check.js';

describe('checkSet', () => {
  const attempts = new Map<string, 'ok' | 'fail' | 'unknown'>([
    ['a', 'ok'],
    ['b', 'ok'],
    ['c', 'unknown'],
    ['d', 'unknown'],
    ['e', 'fail'],
  ]);

  it('accepts every acknowledged element present, unknown ones either way', () => {
    const r = checkSet(attempts, ['a', 'b', 'c']);
    expect(r.anomalies).toEqual([]);
    expect(r.acknowledged).toBe(2);
    expect(r.recovered).toBe(1);
  });

  it('reports an acknowledged element that is gone', () => {
    const r = checkSet(attempts, ['a', 'c', 'd']);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['lost-write']);
    expect(r.anomalies[0]!.evidence).toEqual(['b']);
  });

  it('reports elements never attempted, or whose create definitely failed', () => {
    const r = checkSet(attempts, ['a', 'b', 'e', 'zz']);
    expect(r.anomalies.map((a) => a.kind)).toEqual(['unexpected-element']);
    expect(r.anomalies[0]!.evidence).toEqual(['e', 'zz']);
  });
});
