import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../protocol/constants.js';
import { childPath, isAtOrBelow, nodeName, parentPath, pathProblem, validatePath } from './path.js';

describe('validatePath (PathUtils rules)', () => {
  const valid = [
    '/',
    '/a',
    '/a/b',
    '/a.b',
    '/..a',
    '/a..',
    '/.a/b.',
    '/zookeeper',
    '/a b',
    '/\u00e9',
    '/a/...',
  ];
  const invalid = [
    '',
    'a',
    'a/b',
    '/a/',
    '//',
    '/a//b',
    '/.',
    '/..',
    '/a/.',
    '/a/..',
    '/a/./b',
    '/a/../b',
    '/a\u0000b',
    '/a\u0001',
    '/a\u001f',
    '/a\u007f',
    '/a\u009f',
    '/a\ud800',
    '/a\uf8ff',
    '/a\ufff0',
    '/a\uffff',
    '/\u{1F600}', // astral characters are surrogate pairs, rejected like in Java
  ];
  it.each(valid)('accepts %j', (p) => {
    expect(pathProblem(p)).toBeUndefined();
    expect(() => validatePath(p)).not.toThrow();
  });
  it.each(invalid)('rejects %j with BADARGUMENTS', (p) => {
    expect(() => validatePath(p)).toThrow(expect.objectContaining({ code: ErrorCode.BADARGUMENTS }));
  });
  it('allows a trailing slash only for sequential prefixes', () => {
    expect(() => validatePath('/q/')).toThrow();
    expect(() => validatePath('/q/', true)).not.toThrow();
    expect(() => validatePath('/q//', true)).toThrow();
    expect(() => validatePath('/q/.', true)).not.toThrow(); // "/q/.1" is a fine name
  });
  it('allows the valid edge chars just outside the forbidden ranges', () => {
    expect(pathProblem('/a\u00a0\uf900\uffef')).toBeUndefined();
  });
});

describe('path helpers', () => {
  it('parentPath / nodeName / childPath', () => {
    expect(parentPath('/a/b')).toBe('/a');
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/')).toBe('');
    expect(nodeName('/a/b')).toBe('b');
    expect(nodeName('/')).toBe('');
    expect(childPath('/', 'a')).toBe('/a');
    expect(childPath('/a', 'b')).toBe('/a/b');
  });
  it('isAtOrBelow respects segment boundaries', () => {
    expect(isAtOrBelow('/a/b', '/a')).toBe(true);
    expect(isAtOrBelow('/a', '/a')).toBe(true);
    expect(isAtOrBelow('/ab', '/a')).toBe(false);
    expect(isAtOrBelow('/x', '/')).toBe(true);
  });
});
