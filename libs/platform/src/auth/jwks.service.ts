/**
 * Verifies access tokens against the JWKS published in the coordinator. The document is held in a
 * ConfigCache (one persistent watch), so a key added by the issuer is usable here within moments
 * and a rotated-out key stops verifying, with no restart and no request-time round trip.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigCache, type ClientFactory, type ZooKeeperClient } from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ZNODE_PATHS, type ZnodePaths } from '../coordination/znode-paths.js';
import { UnauthorizedError, ServiceUnavailableError } from '../errors/domain-errors.js';
import {
  ROLES,
  TOKEN_ALGORITHM,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type AuthUser,
  type Role,
} from './auth-user.js';
import { parseJwks, type JwksDocument } from './jwks-document.js';

type KeySet = ReturnType<typeof createLocalJWKSet>;

@Injectable()
export class JwksService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Jwks');
  private readonly cache: ConfigCache<JwksDocument>;
  private keySet: KeySet | undefined;

  constructor(
    @Inject(COORDINATION_CLIENT) client: ZooKeeperClient,
    @Inject(COORDINATION_CLIENT_FACTORY) clientFactory: ClientFactory,
    @Inject(ZNODE_PATHS) paths: ZnodePaths,
  ) {
    this.cache = new ConfigCache<JwksDocument>({
      client,
      clientFactory,
      path: paths.jwks,
      validate: parseJwks,
    });
    this.cache.on('change', (snap) => {
      this.keySet = snap.value && snap.value.keys.length > 0 ? createLocalJWKSet(snap.value) : undefined;
      this.logger.log(`JWKS version ${snap.version}: ${snap.value?.keys.length ?? 0} key(s)`);
    });
    this.cache.on('invalid', (e) => this.logger.error(`refusing the published JWKS: ${e.message}`));
    this.cache.on('error', (e) => this.logger.warn(`JWKS watch: ${String(e)}`));
  }

  async onModuleInit(): Promise<void> {
    await this.cache.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
  }

  /** The published document (what the issuer sees before it rewrites it). */
  get document(): { value: JwksDocument | undefined; version: number } {
    const s = this.cache.snapshot;
    return { value: s.value, version: s.version };
  }

  /** Waits until the cache has applied every change it was told about. */
  idle(): Promise<void> {
    return this.cache.idle();
  }

  /**
   * @throws UnauthorizedError for a missing, malformed, forged, expired or wrongly scoped token.
   * @throws ServiceUnavailableError when no key has been published yet.
   */
  async verify(token: string): Promise<AuthUser> {
    const keys = this.keySet;
    if (keys === undefined) throw new ServiceUnavailableError('no token signing keys are published yet');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [TOKEN_ALGORITHM],
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw new UnauthorizedError('token expired');
      throw new UnauthorizedError('invalid token');
    }
    const role = payload['role'];
    if (typeof payload.sub !== 'string' || !ROLES.includes(role as Role)) {
      throw new UnauthorizedError('invalid token claims');
    }
    return {
      id: payload.sub,
      role: role as Role,
      email: String(payload['email'] ?? ''),
      name: String(payload['name'] ?? ''),
    };
  }
}
