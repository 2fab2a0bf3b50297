/**
 * Znode path rules. Mirrors the checks of ZooKeeper's PathUtils.validatePath (3.8): the server
 * answers BADARGUMENTS for anything that fails them. Paths are UTF-16 JS strings, so the
 * character ranges below are checked on UTF-16 code units exactly as Java does on `char`s
 * (which is why every astral-plane character, being a surrogate pair, is rejected).
 */
import { BadArgumentsError } from '../protocol/errors.js';

/** Why a path is invalid, or undefined when it is valid. Exposed for tests and diagnostics. */
export function pathProblem(path: string, sequential = false): string | undefined {
  // A sequential create appends a 10-digit suffix, so "/q/" is a valid sequential prefix.
  const p = sequential ? path + '1' : path;
  if (typeof p !== 'string' || p.length === 0) return 'Path length must be > 0';
  if (p.charCodeAt(0) !== 0x2f) return 'Path must start with / character';
  if (p.length === 1) return undefined;
  if (p.charCodeAt(p.length - 1) === 0x2f) return 'Path must not end with / character';
  let last = 0x2f;
  for (let i = 1; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0) return `null character not allowed @${i}`;
    if (c === 0x2f && last === 0x2f) return `empty node name specified @${i}`;
    if (c === 0x2e) {
      const next = i + 1 === p.length ? 0x2f : p.charCodeAt(i + 1);
      // "." or ".." as a whole segment.
      if (last === 0x2f && next === 0x2f) return `relative paths not allowed @${i}`;
      if (last === 0x2e && i >= 2 && p.charCodeAt(i - 2) === 0x2f && next === 0x2f) {
        return `relative paths not allowed @${i}`;
      }
    }
    if (
      (c > 0x00 && c <= 0x1f) ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0xd800 && c <= 0xf8ff) ||
      (c >= 0xfff0 && c <= 0xffff)
    ) {
      return `invalid character @${i}`;
    }
    last = c;
  }
  return undefined;
}

/**
 * Throws BadArgumentsError unless `path` is a valid znode path.
 * @param sequential the path is the prefix of a sequential create (may end in '/').
 * @example validatePath('/a/b'); validatePath('/q/', true);
 */
export function validatePath(path: string, sequential = false): void {
  const problem = pathProblem(path, sequential);
  if (problem !== undefined) throw new BadArgumentsError(path, { detail: problem });
}

/** Parent of a path: parentPath('/a/b') === '/a', parentPath('/a') === '/', parentPath('/') === ''. */
export function parentPath(path: string): string {
  if (path === '/') return '';
  const i = path.lastIndexOf('/');
  if (i <= 0) return i === 0 ? '/' : '';
  return path.slice(0, i);
}

/** Last segment of a path: nodeName('/a/b') === 'b', nodeName('/') === ''. */
export function nodeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Joins a parent path and a child name. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? '/' + name : parent + '/' + name;
}

/** True when `path` is `ancestor` or lies below it. */
export function isAtOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '/') return true;
  return path === ancestor || (path.startsWith(ancestor) && path.charCodeAt(ancestor.length) === 0x2f);
}
