/**
 * The synchronous verifier against jose's jwtVerify (what it replaced, with the options the
 * platform used): for every token below both must accept or both refuse, and expiry must be told
 * apart the same way. Tokens are made with jose's own signer and by hand for malformed shapes.
 */
import { createPrivateKey, sign as edSign } from 'node:crypto';
import {
  createLocalJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JwksDocument, PublicJwk } from './jwks-document.js';
import { TokenRejectedError, TokenVerifier, UnknownSigningKeyError } from './token-verifier.js';

type Outcome = 'ok' | 'expired' | 'invalid';

let doc: JwksDocument;
let privateKey: CryptoKey;
let otherPrivate: CryptoKey;
const NOW = Math.floor(Date.now() / 1000);

async function joseOutcome(token: string): Promise<Outcome> {
  try {
    await jwtVerify(token, createLocalJWKSet(doc), {
      issuer: 'registrar',
      audience: 'registrar',
      algorithms: ['EdDSA'],
      requiredClaims: ['sub', 'exp', 'iat'],
      currentDate: new Date(NOW * 1000),
    });
    return 'ok';
  } catch (e) {
    return e instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
  }
}

function ourOutcome(token: string): Outcome {
  try {
    new TokenVerifier(doc).verify(token, NOW);
    return 'ok';
  } catch (e) {
    if (!(e instanceof TokenRejectedError)) throw e;
    return e.reason;
  }
}

function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

interface Make {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  key?: CryptoKey;
}

function signed({ header = {}, claims = {}, key }: Make): Promise<string> {
  return new SignJWT({ role: 'student', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'JWT', ...header } as never)
    .sign(key ?? privateKey);
}

function base(): Record<string, unknown> {
  return { iss: 'registrar', aud: 'registrar', sub: 's-1', iat: NOW - 10, exp: NOW + 3600 };
}

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  privateKey = pair.privateKey;
  otherPrivate = (await generateKeyPair('EdDSA', { crv: 'Ed25519' })).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' } as PublicJwk;
  doc = { keys: [jwk] };
});

describe('TokenVerifier agrees with jose jwtVerify', () => {
  const cases: Array<[string, () => Promise<string> | string, Outcome]> = [
    ['a valid token', () => signed({ claims: base() }), 'ok'],
    [
      'aud as an array containing registrar',
      () => signed({ claims: { ...base(), aud: ['x', 'registrar'] } }),
      'ok',
    ],
    ['an expired token', () => signed({ claims: { ...base(), exp: NOW - 1 } }), 'expired'],
    ['exp exactly now', () => signed({ claims: { ...base(), exp: NOW } }), 'expired'],
    ['nbf in the future', () => signed({ claims: { ...base(), nbf: NOW + 60 } }), 'invalid'],
    ['nbf in the past', () => signed({ claims: { ...base(), nbf: NOW - 60 } }), 'ok'],
    ['wrong issuer', () => signed({ claims: { ...base(), iss: 'evil' } }), 'invalid'],
    ['wrong audience', () => signed({ claims: { ...base(), aud: 'other' } }), 'invalid'],
    ['no sub', () => signed({ claims: { ...base(), sub: undefined } }), 'invalid'],
    ['no iat', () => signed({ claims: { ...base(), iat: undefined } }), 'invalid'],
    ['no exp', () => signed({ claims: { ...base(), exp: undefined } }), 'invalid'],
    ['a string exp', () => signed({ claims: { ...base(), exp: String(NOW + 3600) } }), 'invalid'],
    [
      'signed by an unpublished key under a published kid',
      () => signed({ claims: base(), key: otherPrivate }),
      'invalid',
    ],
    ['an unknown kid', () => signed({ claims: base(), header: { kid: 'nope' } }), 'invalid'],
    [
      'a crit header',
      () => handSigned({ alg: 'EdDSA', kid: 'k1', crit: ['x-ext'], 'x-ext': 1 }, base()),
      'invalid',
    ],
    [
      'a tampered payload (role raised to staff)',
      async () => {
        const [h, , s] = (await signed({ claims: base() })).split('.');
        return `${h}.${b64({ ...base(), role: 'staff' })}.${s}`;
      },
      'invalid',
    ],
    ['alg none', () => `${b64({ alg: 'none', kid: 'k1' })}.${b64(base())}.`, 'invalid'],
    [
      'alg HS256 with the public x as the secret (alg confusion)',
      () => `${b64({ alg: 'HS256', kid: 'k1' })}.${b64(base())}.${b64('sig')}`,
      'invalid',
    ],
    ['not a JWS', () => 'abc.def', 'invalid'],
    ['a payload that is not JSON', () => handSigned({ alg: 'EdDSA', kid: 'k1' }, 'not json'), 'invalid'],
    ['a payload that is an array', () => handSigned({ alg: 'EdDSA', kid: 'k1' }, [1, 2]), 'invalid'],
  ];

  for (const [name, make, expected] of cases) {
    it(`${name}: ${expected}`, async () => {
      const token = await make();
      expect(await joseOutcome(token)).toBe(expected);
      expect(ourOutcome(token)).toBe(expected);
    });
  }

  it('returns the claims of a valid token', async () => {
    const claims = new TokenVerifier(doc).verify(await signed({ claims: { ...base(), name: 'Ada' } }), NOW);
    expect(claims).toMatchObject({ sub: 's-1', role: 'student', name: 'Ada' });
  });

  it('an unknown kid is told apart (the service may catch up on the JWKS), a bad signature is not', async () => {
    const verifier = new TokenVerifier(doc);
    const unknown = await signed({ claims: base(), header: { kid: 'newer' } });
    expect(() => verifier.verify(unknown, NOW)).toThrow(UnknownSigningKeyError);
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const wrongKey = await signed({ claims: base(), key: other.privateKey });
    expect(() => verifier.verify(wrongKey, NOW)).toThrow(TokenRejectedError);
    expect(() => verifier.verify(wrongKey, NOW)).not.toThrow(UnknownSigningKeyError);
  });

  it('a document with a malformed key verifies nothing with it and still builds', () => {
    const bad = new TokenVerifier({ keys: [{ ...doc.keys[0]!, kid: 'bad', x: '!!' }] });
    expect(bad.size).toBe(0);
  });
});

/** A token signed with the published key over any header and payload (jose's signer checks both). */
async function handSigned(header: Record<string, unknown>, payload: unknown): Promise<string> {
  const jwk = (await exportJWK(privateKey)) as Record<string, string>;
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: jwk['x']!, d: jwk['d']! },
    format: 'jwk',
  });
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${edSign(null, Buffer.from(input), key).toString('base64url')}`;
}
