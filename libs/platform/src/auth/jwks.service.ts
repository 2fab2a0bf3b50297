/**
 * Verifies access tokens against the JWKS published in the coordinator. The document is held in a
 * ConfigCache (one persistent watch), so a key added by the issuer is usable here within moments
 * and a rotated-out key stops verifying, with no restart and no request-time round trip. The one
 * exception is a token naming a kid we do not hold: the issuer signs with a new key as soon as it
 * is published, so such a token may beat the watch notification here; it waits for a sync and
 * read that start after it arrived (shared by every such token, at most one a second, given up
 * after two seconds) before it is refused.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigCache, type ClientFactory, type ZooKeeperClient } from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';
import { ZNODE_PATHS, type ZnodePaths } from '../coordination/znode-paths.js';
import { UnauthorizedError, ServiceUnavailableError } from '../errors/domain-errors.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ROLES, type AuthUser, type Role } from './auth-user.js';
import { parseJwks, type JwksDocument } from './jwks-document.js';
import { RefreshGate } from './refresh-gate.js';
import {
  TokenRejectedError,
  TokenVerifier,
  UnknownSigningKeyError,
  type TokenClaims,
} from './token-verifier.js';

const UNKNOWN_KEY_CATCH_UP_INTERVAL_MS = 1000;
/** A coordinator that does not answer must not hold requests: past this the token is judged as is. */
const UNKNOWN_KEY_CATCH_UP_BOUND_MS = 2000;

/** 401 for a token whose kid is not (yet) published; `verify` catches up once before giving it. */
class UnknownKeyRefused extends UnauthorizedError {
  constructor() {
    super('invalid token');
  }
}

@Injectable()
export class JwksService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Jwks');
  private readonly cache: ConfigCache<JwksDocument>;
  /** Public keys imported once per published document, not per request. */
  private verifier: TokenVerifier | undefined;
  /** Tokens naming an unknown kid catch up on the JWKS at most once a second, all of them together. */
  private readonly keyMisses = new RefreshGate(
    () => this.boundedCatchUp(),
    UNKNOWN_KEY_CATCH_UP_INTERVAL_MS,
    () => performance.now(),
    (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
  );

  constructor(
    @Inject(COORDINATION_CLIENT) client: ZooKeeperClient,
    @Inject(COORDINATION_CLIENT_FACTORY) clientFactory: ClientFactory,
    @Inject(ZNODE_PATHS) paths: ZnodePaths,
    @Inject(MetricsService) private readonly metrics: MetricsService,
  ) {
    this.cache = new ConfigCache<JwksDocument>({
      client,
      clientFactory,
      path: paths.jwks,
      validate: parseJwks,
    });
    this.cache.on('change', (snap) => {
      this.verifier = snap.value && snap.value.keys.length > 0 ? new TokenVerifier(snap.value) : undefined;
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

  /** Waits until the cache holds every JWKS write committed before the call, by anyone. */
  catchUp(): Promise<void> {
    return this.cache.catchUp();
  }

  private boundedCatchUp(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`JWKS catch-up took over ${UNKNOWN_KEY_CATCH_UP_BOUND_MS} ms`)),
        UNKNOWN_KEY_CATCH_UP_BOUND_MS,
      ).unref();
    });
    return Promise.race([this.cache.catchUp(), bound]).finally(() => clearTimeout(timer));
  }

  /**
   * @throws UnauthorizedError for a missing, malformed, forged, expired or wrongly scoped token.
   * @throws ServiceUnavailableError when no key has been published yet.
   */
  async verify(token: string): Promise<AuthUser> {
    const started = performance.now();
    try {
      return this.verifyToken(token);
    } catch (err) {
      // A key minted moments ago signs at once; its watch notification may still be on the way.
      if (err instanceof UnknownKeyRefused && (await this.keyMisses.attempt()))
        return this.verifyToken(token);
      throw err;
    } finally {
      this.metrics.stages.stage('auth', (performance.now() - started) / 1000);
    }
  }

  private verifyToken(token: string): AuthUser {
    const verifier = this.verifier;
    if (verifier === undefined) throw new ServiceUnavailableError('no token signing keys are published yet');
    let payload: TokenClaims;
    try {
      payload = verifier.verify(token);
    } catch (err) {
      if (err instanceof TokenRejectedError && err.reason === 'expired')
        throw new UnauthorizedError('token expired');
      if (err instanceof UnknownSigningKeyError) throw new UnknownKeyRefused();
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
