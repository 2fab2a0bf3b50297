/**
 * The JWKS document published in the coordinator (`<root>/config/auth/jwks`). Only public Ed25519
 * keys are accepted: a private member (`d`) or another key type is refused, so a mistaken write
 * cannot leak a signing key to every reader or widen what verifiers accept.
 */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
  /** When the key stops being published (ms since epoch); tokens it signed have expired by then. */
  retiresAt?: number;
}

export interface JwksDocument {
  keys: PublicJwk[];
}

export class InvalidJwksError extends Error {}

export function parseJwks(value: unknown): JwksDocument {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as JwksDocument).keys)) {
    throw new InvalidJwksError('JWKS must be an object with a keys array');
  }
  const keys = (value as { keys: unknown[] }).keys.map((k, i) => {
    const key = k as Record<string, unknown>;
    if (typeof k !== 'object' || k === null) throw new InvalidJwksError(`keys[${i}] is not an object`);
    if ('d' in key) throw new InvalidJwksError(`keys[${i}] carries a private key`);
    if (key['kty'] !== 'OKP' || key['crv'] !== 'Ed25519' || key['alg'] !== 'EdDSA')
      throw new InvalidJwksError(`keys[${i}] is not an Ed25519 EdDSA key`);
    if (typeof key['x'] !== 'string' || typeof key['kid'] !== 'string' || key['kid'] === '')
      throw new InvalidJwksError(`keys[${i}] lacks x or kid`);
    return key as unknown as PublicJwk;
  });
  return { keys };
}
