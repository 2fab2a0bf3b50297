import { describe, expect, it } from 'vitest';
import { digestMismatch, digestOf, lostVersions } from './durability-checks.js';

describe('durability checks', () => {
  it('flags a key whose final version is below an acknowledged one, or holds other data at it', () => {
    const acked = [
      { key: '/k0', version: 3, value: 'a' },
      { key: '/k0', version: 5, value: 'b' },
      { key: '/k1', version: 2, value: 'c' },
      { key: '/k2', version: 1, value: 'd' },
    ];
    const final = new Map([
      ['/k0', { version: 4, value: 'x' }],
      ['/k1', { version: 2, value: 'other' }],
      ['/k2', { version: 7, value: 'later' }],
    ]);
    const [a] = lostVersions(acked, final);
    expect(a?.kind).toBe('lost-write');
    expect(a?.evidence).toEqual([
      '/k0: acknowledged at version 5 (b), now version 4 (x)',
      '/k1: version 2 acknowledged as c, now holds other',
    ]);
  });

  it('accepts versions at or above every acknowledged one', () => {
    const final = new Map([['/k0', { version: 5, value: 'b' }]]);
    expect(lostVersions([{ key: '/k0', version: 5, value: 'b' }], final)).toEqual([]);
  });

  it('reports members whose trees differ, naming the differing paths', () => {
    const same = new Map([
      ['/n/a', 'present'],
      ['/k0', 'v@1'],
    ]);
    const phantom = new Map([...same, ['/n/ghost', 'present']]);
    expect(
      digestMismatch(
        new Map([
          [1, same],
          [2, new Map(same)],
        ]),
      ),
    ).toEqual([]);
    const [d] = digestMismatch(
      new Map([
        [1, same],
        [2, new Map(same)],
        [3, phantom],
      ]),
    );
    expect(d?.kind).toBe('divergence');
    expect(d?.evidence).toEqual(['/n/ghost: 1=absent 2=absent 3=present']);
    expect(digestOf(same)).not.toBe(digestOf(phantom));
  });
});
