import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { javaHashSetOrder, javaStringHash, juteStringRecordHash } from './java-hash-order.js';

const digest = (userPassword: string) => ({
  scheme: 'digest',
  id: `${userPassword.split(':', 1)[0]}:${createHash('sha1').update(userPassword).digest('base64')}`,
});
const IP = { scheme: 'ip', id: '127.0.0.1' };
const shown = (ids: { scheme: string; id: string }[]) =>
  javaHashSetOrder(ids, (i) => juteStringRecordHash(i.scheme, i.id)).map(
    (i) => `${i.scheme}:${i.id.split(':', 1)[0]}`,
  );

describe('javaHashSetOrder', () => {
  it('hashes strings as java.lang.String does', () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('a')).toBe(97);
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648); // the famous MIN_VALUE hash
  });

  // whoAmI answers of Apache ZooKeeper 3.8.0 for these addAuth sequences (observed with raw frames)
  it('lists auth ids as a HashSet<Id> iterates, whatever the order they were added in', () => {
    expect(shown([IP, digest('u1:p1'), digest('nocolon')])).toEqual([
      'digest:nocolon',
      'digest:u1',
      'ip:127.0.0.1',
    ]);
    expect(shown([IP, digest('nocolon'), digest('u1:p1')])).toEqual([
      'digest:nocolon',
      'digest:u1',
      'ip:127.0.0.1',
    ]);
    const four = ['a:1', 'b:2', 'c:3', 'u2:p2'];
    const expected = ['digest:a', 'digest:u2', 'digest:b', 'ip:127.0.0.1', 'digest:c'];
    expect(shown([IP, ...four.map(digest)])).toEqual(expected);
    expect(shown([IP, ...[...four].reverse().map(digest)])).toEqual(expected);
    expect(shown([IP, digest('u1:p1'), digest('u1:p2')])).toEqual(['digest:u1', 'ip:127.0.0.1', 'digest:u1']);
  });

  it('keeps insertion order within a bucket and grows the table past three quarters full', () => {
    const same = ['x', 'y', 'z'];
    expect(javaHashSetOrder(same, () => 5)).toEqual(['x', 'y', 'z']);
    // 13 items: a 32-bucket table, so hash 16 sorts after hash 15 (in 16 buckets it would be bucket 0)
    const items = Array.from({ length: 13 }, (_, i) => i);
    const order = javaHashSetOrder(items, (i) => (i === 0 ? 16 : i));
    expect(order.indexOf(0)).toBe(12);
  });
});
