import { describe, expect, it } from 'vitest';
import { parseConnectString } from './service-fleet.js';

describe('service fleet: the connect string its proxies stand in for', () => {
  it('reads every host:port of the ensemble', () => {
    expect(parseConnectString('127.0.0.1:2181,127.0.0.1:2182,localhost:2183')).toEqual([
      { host: '127.0.0.1', port: 2181 },
      { host: '127.0.0.1', port: 2182 },
      { host: 'localhost', port: 2183 },
    ]);
  });

  it('refuses a chroot (the proxies would drop it) and a port that is not a number', () => {
    expect(() => parseConnectString('127.0.0.1:2181/registrar')).toThrow(/chroot/);
    expect(() => parseConnectString('127.0.0.1:abc')).toThrow(/bad host:port/);
    expect(() => parseConnectString('127.0.0.1')).toThrow(/bad host:port/);
  });
});
