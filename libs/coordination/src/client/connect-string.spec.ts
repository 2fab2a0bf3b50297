import { describe, expect, it } from 'vitest';
import { BadArgumentsError } from '../protocol/errors.js';
import { formatHost, parseConnectString } from './connect-string.js';

describe('parseConnectString', () => {
  it('parses several hosts, default port and a chroot', () => {
    expect(parseConnectString('a:1,b,c:3/app/x')).toEqual({
      hosts: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2181 },
        { host: 'c', port: 3 },
      ],
      chroot: '/app/x',
    });
  });

  it('treats "/" as no chroot and tolerates spaces and empty items', () => {
    expect(parseConnectString(' 127.0.0.1:2181 , ,h:2/')).toEqual({
      hosts: [
        { host: '127.0.0.1', port: 2181 },
        { host: 'h', port: 2 },
      ],
      chroot: undefined,
    });
  });

  it('parses bracketed IPv6 with and without port', () => {
    expect(parseConnectString('[::1]:2182,[fe80::1]').hosts).toEqual([
      { host: '::1', port: 2182 },
      { host: 'fe80::1', port: 2181 },
    ]);
    expect(formatHost({ host: '::1', port: 5 })).toBe('[::1]:5');
    expect(formatHost({ host: 'a', port: 5 })).toBe('a:5');
  });

  it.each([
    ['', 'no hosts'],
    ['/chroot', 'no hosts'],
    ['h:0', 'port 0'],
    ['h:70000', 'port too big'],
    ['h:12x', 'non-numeric port'],
    ['::1:2181', 'bare IPv6'],
    ['[::1', 'unclosed bracket'],
    ['h:1/app/', 'chroot ends with /'],
    ['h:1/a//b', 'empty segment'],
    ['h:1/a/../b', 'relative segment'],
  ])('rejects %j (%s) with BadArgumentsError', (input) => {
    expect(() => parseConnectString(input)).toThrow(BadArgumentsError);
  });
});
