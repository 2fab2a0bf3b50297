import { describe, expect, it } from 'vitest';
import { BadArgumentsError } from '@registrar/coordination';
import {
  clientOptionsOf,
  coordinationOptionsFromConfig,
  effectiveConnectString,
} from './coordination-options.js';

const config = (env: Record<string, unknown>) => ({ get: <T>(k: string) => env[k] as T | undefined });

describe('coordinationOptionsFromConfig', () => {
  it('reads every key', () => {
    const opts = coordinationOptionsFromConfig(
      config({
        COORDINATION_CONNECT_STRING: 'h1:2181,h2:2181',
        COORDINATION_CHROOT: '/registrar',
        COORDINATION_SESSION_TIMEOUT_MS: '15000',
        COORDINATION_AUTH: 'digest:app:s:e:cret,ip:127.0.0.1',
        COORDINATION_SERVICES_PATH: '/svc',
      }),
    );
    expect(opts).toEqual({
      connectString: 'h1:2181,h2:2181',
      chroot: '/registrar',
      sessionTimeout: 15000,
      auth: [
        { scheme: 'digest', auth: 'app:s:e:cret' },
        { scheme: 'ip', auth: '127.0.0.1' },
      ],
      servicesPath: '/svc',
    });
    expect(effectiveConnectString(opts)).toBe('h1:2181,h2:2181/registrar');
    expect(clientOptionsOf(opts)).toEqual({ sessionTimeout: 15000, authInfo: opts.auth });
  });

  it('names the bad key', () => {
    expect(() => coordinationOptionsFromConfig(config({}))).toThrow(
      /COORDINATION_CONNECT_STRING: is required/,
    );
    expect(() =>
      coordinationOptionsFromConfig(
        config({ COORDINATION_CONNECT_STRING: 'h', COORDINATION_SESSION_TIMEOUT_MS: '-1' }),
      ),
    ).toThrow(BadArgumentsError);
    expect(() =>
      coordinationOptionsFromConfig(config({ COORDINATION_CONNECT_STRING: 'h', COORDINATION_CHROOT: 'x/' })),
    ).toThrow(/COORDINATION_CHROOT/);
    expect(() =>
      coordinationOptionsFromConfig(
        config({ COORDINATION_CONNECT_STRING: 'h', COORDINATION_AUTH: 'digest' }),
      ),
    ).toThrow(/COORDINATION_AUTH/);
  });

  it('refuses a chroot given twice', () => {
    expect(() => effectiveConnectString({ connectString: 'h:1/a', chroot: '/b' })).toThrow(
      /chroot given twice/,
    );
  });
});
