import { describe, expect, it } from 'vitest';
import { versionConflicts, type VersionObservation } from './version-map.js';

const obs = (path: string, version: number, value: string, source = 's'): VersionObservation => ({
  path,
  version,
  value,
  source,
});

describe('versionConflicts', () => {
  it('accepts stale reads: old versions with their own values', () => {
    const history = [
      obs('/a', 1, 'x'),
      obs('/a', 2, 'y'),
      obs('/a', 1, 'x', 'stale read'),
      obs('/b', 1, 'y'),
    ];
    expect(versionConflicts(history)).toEqual([]);
  });

  it('flags one version seen with two values (a lost acknowledged write, or uncommitted state served)', () => {
    const out = versionConflicts([
      obs('/a', 3, 'ack', 'ack of write by w1'),
      obs('/a', 3, 'other', 'read on member 2'),
    ]);
    expect(out).toHaveLength(1);
    expect(out[0]!.kind).toBe('version-conflict');
    expect(out[0]!.evidence).toEqual(['"ack" (ack of write by w1)', '"other" (read on member 2)']);
  });

  it('reports each conflicting version once and summarises past the limit', () => {
    const history: VersionObservation[] = [];
    for (let v = 0; v < 10; v++) history.push(obs('/a', v, 'x'), obs('/a', v, 'y'), obs('/a', v, 'z'));
    const out = versionConflicts(history, 3);
    expect(out).toHaveLength(4);
    expect(out[3]!.message).toMatch(/^7 more versions/);
  });
});
