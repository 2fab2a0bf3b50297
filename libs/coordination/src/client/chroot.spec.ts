import { describe, expect, it } from 'vitest';
import { Chroot } from './chroot.js';

describe('Chroot', () => {
  it('passes paths through when there is no chroot', () => {
    const none = new Chroot(undefined);
    expect(none.toServer('/a/b')).toBe('/a/b');
    expect(none.toClient('/a/b')).toBe('/a/b');
    expect(none.toClientPaths(['/', '/x'])).toEqual(['/', '/x']);
  });

  it('maps the root to the chroot itself and back', () => {
    const root = new Chroot('/app');
    expect(root.toServer('/')).toBe('/app');
    expect(root.toClient('/app')).toBe('/');
  });

  it('prefixes and strips nested paths', () => {
    const root = new Chroot('/app/v1');
    expect(root.toServer('/locks/l-0001')).toBe('/app/v1/locks/l-0001');
    expect(root.toClient('/app/v1/locks/l-0001')).toBe('/locks/l-0001');
  });

  it('does not treat a sibling sharing the prefix as inside the chroot', () => {
    const root = new Chroot('/app');
    expect(root.contains('/app2/x')).toBe(false);
    expect(root.toClient('/app2/x')).toBe('/app2/x');
    expect(root.contains('/app/x')).toBe(true);
  });

  it('keeps only the paths inside the chroot when mapping a server list', () => {
    const root = new Chroot('/app');
    expect(root.toClientPaths(['/app/e1', '/other/e2', '/app', '/app2/e3', '/app/d/e4'])).toEqual([
      '/e1',
      '/',
      '/d/e4',
    ]);
  });
});
