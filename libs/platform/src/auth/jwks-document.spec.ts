import { describe, expect, it } from 'vitest';
import { parseJwks } from './jwks-document.js';

const good = { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', x: 'abc', kid: 'k1' };

describe('parseJwks', () => {
  it('accepts public Ed25519 keys', () => {
    expect(parseJwks({ keys: [good] }).keys[0]?.kid).toBe('k1');
  });

  it('refuses a document carrying a private key', () => {
    expect(() => parseJwks({ keys: [{ ...good, d: 'secret' }] })).toThrow(/private/);
  });

  it('refuses other key types and algorithms (no alg confusion)', () => {
    expect(() => parseJwks({ keys: [{ ...good, kty: 'RSA' }] })).toThrow();
    expect(() => parseJwks({ keys: [{ ...good, alg: 'HS256' }] })).toThrow();
    expect(() => parseJwks({ keys: [{ ...good, kid: '' }] })).toThrow();
    expect(() => parseJwks({ nokeys: [] })).toThrow();
  });
});
