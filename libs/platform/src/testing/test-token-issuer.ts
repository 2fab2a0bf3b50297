/**
 * Test-only token issuer: adds its own Ed25519 key to the published JWKS (next to the real
 * issuer's) and signs tokens for any user, including expired or wrongly scoped ones, so suites of
 * services other than course-enrollment can authenticate without it and can forge bad tokens.
 * Never used by production code.
 */
import { randomUUID } from 'node:crypto';
import {
  BadVersionError,
  ensurePath,
  NodeExistsError,
  NoNodeError,
  type ZooKeeperClient,
} from '@registrar/coordination';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type AuthUser } from '../auth/auth-user.js';
import { parseJwks, type JwksDocument, type PublicJwk } from '../auth/jwks-document.js';

export interface SignOptions {
  /** Seconds from now; negative for an already expired token. Default 3600. */
  expiresIn?: number;
  issuer?: string;
  audience?: string;
}

export class TestTokenIssuer {
  private constructor(
    readonly kid: string,
    private readonly key: CryptoKey,
  ) {}

  /** Creates a key and publishes it into the JWKS znode at `jwksPath` (compare-and-set). */
  static async publish(zk: ZooKeeperClient, jwksPath: string): Promise<TestTokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, {
      crv: 'Ed25519',
      extractable: true,
    });
    const kid = `test-${randomUUID().slice(0, 8)}`;
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' } as PublicJwk;
    for (;;) {
      try {
        const { data, stat } = await zk.getData(jwksPath);
        const doc: JwksDocument = data.length > 0 ? parseJwks(JSON.parse(data.toString())) : { keys: [] };
        await zk.setData(jwksPath, JSON.stringify({ keys: [...doc.keys, jwk] }), stat.version);
        break;
      } catch (err) {
        if (err instanceof BadVersionError) continue;
        if (!(err instanceof NoNodeError)) throw err;
        await ensurePath(zk, jwksPath.slice(0, jwksPath.lastIndexOf('/')));
        try {
          await zk.create(jwksPath, JSON.stringify({ keys: [jwk] }));
          break;
        } catch (e) {
          if (!(e instanceof NodeExistsError)) throw e;
        }
      }
    }
    return new TestTokenIssuer(kid, privateKey);
  }

  /** A token for `user` signed with the published test key. */
  async sign(
    user: Partial<AuthUser> & Pick<AuthUser, 'id' | 'role'>,
    opts: SignOptions = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      role: user.role,
      email: user.email ?? `${user.id}@test.invalid`,
      name: user.name ?? user.id,
    })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: this.kid })
      .setSubject(user.id)
      .setIssuer(opts.issuer ?? TOKEN_ISSUER)
      .setAudience(opts.audience ?? TOKEN_AUDIENCE)
      .setIssuedAt(now - Math.max(0, -(opts.expiresIn ?? 3600)) - 1)
      .setExpirationTime(now + (opts.expiresIn ?? 3600))
      .sign(this.key);
  }

  /** A correctly shaped token signed by a key nobody published (a forgery). */
  static async forge(user: Pick<AuthUser, 'id' | 'role'>, kid = 'forged'): Promise<string> {
    const { privateKey } = await generateKeyPair(TOKEN_ALGORITHM, { crv: 'Ed25519' });
    return new TestTokenIssuer(kid, privateKey).sign(user);
  }
}
