/**
 * Verifies a platform access token synchronously with node:crypto against the published keys,
 * one `KeyObject` imported per kid when the JWKS document changes (not per request).
 *
 * Why not jose's jwtVerify here: jose runs on WebCrypto, so every verification is an async job on
 * libuv's 4-thread pool; at the opening minute 500 requests queue behind each other there (the
 * benchmark's `auth` stage measured tens of ms per verify on a busy machine). An Ed25519 verify
 * is ~50 µs of CPU done in place. jose still signs (identity service, tests) and is the reference
 * this file is tested against (token-verifier.spec.ts).
 *
 * What is checked, as jwtVerify did with our options: compact JWS of three base64url parts; header
 * `alg` exactly EdDSA (alg confusion refused by construction), `kid` naming a published key, no
 * `crit` or `b64` extensions; the Ed25519 signature over `header.payload`; a JSON object payload with
 * `iss` and `aud` (string or array) equal to / containing `registrar`, numeric `exp` after now,
 * numeric `iat`, `nbf` (when present) not after now, `sub` present.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from './auth-user.js';
import type { JwksDocument } from './jwks-document.js';

/** Why a token was refused: `expired` is told apart (the client should refresh), the rest is `invalid`. */
export class TokenRejectedError extends Error {
  constructor(
    readonly reason: 'invalid' | 'expired',
    detail: string,
  ) {
    super(`${reason} token: ${detail}`);
  }
}

/** The token names a key this verifier does not hold: forged, retired, or published moments ago. */
export class UnknownSigningKeyError extends TokenRejectedError {
  constructor(readonly kid: unknown) {
    super('invalid', 'no published key matches');
  }
}

export type TokenClaims = Record<string, unknown> & { sub: string; exp: number; iat: number };

const PART = /^[A-Za-z0-9_-]+$/;

function decodeJson(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new TokenRejectedError('invalid', `${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TokenRejectedError('invalid', `${what} is not an object`);
  return value as Record<string, unknown>;
}

/**
 * @example
 *   const verifier = new TokenVerifier(jwksDocument);
 *   const claims = verifier.verify(token); // throws TokenRejectedError
 */
export class TokenVerifier {
  private readonly keys = new Map<string, KeyObject>();

  constructor(document: JwksDocument) {
    for (const jwk of document.keys) {
      try {
        const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: 'jwk' });
        this.keys.set(jwk.kid, key);
      } catch {
        // A malformed `x` imports nothing, so it verifies nothing (as jose refused it at verify time).
      }
    }
  }

  get size(): number {
    return this.keys.size;
  }

  /** @param nowSeconds the clock, seconds since the epoch (tests pass their own). */
  verify(token: string, nowSeconds = Math.floor(Date.now() / 1000)): TokenClaims {
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => PART.test(p)))
      throw new TokenRejectedError('invalid', 'not a compact JWS');
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJson(h, 'header');
    if (header['alg'] !== TOKEN_ALGORITHM) throw new TokenRejectedError('invalid', 'algorithm not allowed');
    if ('crit' in header || 'b64' in header)
      throw new TokenRejectedError('invalid', 'unsupported header extension');
    const kid = header['kid'];
    const key = typeof kid === 'string' ? this.keys.get(kid) : undefined;
    if (key === undefined) throw new UnknownSigningKeyError(kid);
    if (!verify(null, Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')))
      throw new TokenRejectedError('invalid', 'signature verification failed');

    const claims = decodeJson(p, 'payload');
    const { iss, aud, exp, iat, nbf, sub } = claims;
    if (iss !== TOKEN_ISSUER) throw new TokenRejectedError('invalid', 'unexpected iss');
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(TOKEN_AUDIENCE)) throw new TokenRejectedError('invalid', 'unexpected aud');
    if (sub === undefined) throw new TokenRejectedError('invalid', 'missing sub');
    if (typeof iat !== 'number' || !Number.isFinite(iat))
      throw new TokenRejectedError('invalid', 'missing or bad iat');
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds))
      throw new TokenRejectedError('invalid', 'not yet valid');
    if (typeof exp !== 'number' || !Number.isFinite(exp))
      throw new TokenRejectedError('invalid', 'missing or bad exp');
    if (exp <= nowSeconds) throw new TokenRejectedError('expired', 'exp passed');
    return claims as TokenClaims;
  }
}
