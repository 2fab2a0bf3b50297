import { describe, expect, it } from 'vitest';
import { znodePaths } from './znode-paths.js';

describe('znodePaths', () => {
  const p = znodePaths('/registrar');

  it('builds the documented layout', () => {
    expect(p.services).toBe('/registrar/services');
    expect(p.jwks).toBe('/registrar/config/auth/jwks');
    expect(p.examSchedule('e1')).toBe('/registrar/config/exam-schedules/e1');
    expect(p.courseLock('c-1')).toBe('/registrar/locks/courses/c-1');
    expect(p.election('waitlist-promoter')).toBe('/registrar/elections/waitlist-promoter');
  });

  it('refuses ids that would address another znode', () => {
    for (const bad of ['', '..', '.', 'a/b', '../config', 'x y', 'é']) {
      expect(() => p.courseLock(bad)).toThrow(/not a znode path segment/);
    }
  });
});
