import { describe, expect, it } from 'vitest';
import { PlatformConfig } from './platform-config.js';
import { validateEnv, InvalidEnvironmentError } from './validate-env.js';

describe('validateEnv', () => {
  it('applies defaults and converts numbers', () => {
    const env = validateEnv({ COORDINATION_CONNECT_STRING: '127.0.0.1:2181', HTTP_PORT: '3101' });
    expect(env.HTTP_PORT).toBe(3101);
    expect(env.REGISTRAR_ZK_ROOT).toBe('/registrar');
    expect(env.COORDINATION_SESSION_TIMEOUT_MS).toBe(10_000);
    expect(env.LOG_FORMAT).toBe('json');
  });

  it('lists every problem at once', () => {
    try {
      validateEnv({ HTTP_PORT: '70000', REGISTRAR_ZK_ROOT: 'registrar', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidEnvironmentError);
      const problems = (err as InvalidEnvironmentError).problems.join('\n');
      for (const key of ['COORDINATION_CONNECT_STRING', 'HTTP_PORT', 'REGISTRAR_ZK_ROOT', 'DATABASE_URL']) {
        expect(problems).toContain(key);
      }
    }
  });

  it('refuses a chroot in the connect string (paths are built from REGISTRAR_ZK_ROOT)', () => {
    expect(() => validateEnv({ COORDINATION_CONNECT_STRING: '127.0.0.1:2181/registrar' })).toThrow(
      /no chroot/,
    );
  });

  it('names planted bugs exactly', () => {
    const env = validateEnv({
      COORDINATION_CONNECT_STRING: 'h:1',
      REGISTRAR_PLANTED_BUGS: 'skip-fence-check, other',
    });
    const config = new PlatformConfig('svc', env);
    expect(config.planted('skip-fence-check')).toBe(true);
    expect(config.planted('other')).toBe(true);
    expect(config.planted('skip-fence')).toBe(false);
  });
});
