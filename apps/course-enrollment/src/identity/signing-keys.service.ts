/**
 * Token signing keys: kept in this service's database (shared by its instances), published as a JWKS
 * in the coordinator for every verifier. Rotation runs on every instance at boot and then
 * periodically, serialized by a coordinator lock, so instances agree on the keys without a leader.
 *
 * The boot rotation waits out session trouble (a member down, an election, no quorum) with the
 * platform's bounded backoff instead of failing the boot, and rotations follow the current session
 * (a SessionBinding with the module's client factory): the module's first client is dead for good
 * once its session expires, and rotating on it failed every time after one expiry.
 */
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  BadVersionError,
  ensurePath,
  Lock,
  LockLostError,
  NodeExistsError,
  NoNodeError,
  RecipeTimeoutError,
  SessionBinding,
  type ClientFactory,
  type ZooKeeperClient,
} from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';
import {
  CLOCK,
  parseJwks,
  TOKEN_ALGORITHM,
  ZNODE_PATHS,
  type Clock,
  type JwksDocument,
  type PublicJwk,
  type ZnodePaths,
  isTransientCoordinatorError,
  retryTransient,
} from '@registrar/platform';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { In, Repository } from 'typeorm';
import { IdentitySettings } from './identity-settings.js';
import { planKeys, retirementOf, signingKeyOf } from './key-schedule.js';
import { SigningKey } from './signing-key.entity.js';

export interface ActiveKey {
  kid: string;
  key: CryptoKey;
}

@Injectable()
export class SigningKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SigningKeys');
  private active: ActiveKey | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly session: SessionBinding;
  /** Aborted on shutdown: a boot rotation still waiting for the coordinator gives up. */
  private readonly stopping = new AbortController();

  constructor(
    @InjectRepository(SigningKey) private readonly keys: Repository<SigningKey>,
    @Inject(COORDINATION_CLIENT) client: ZooKeeperClient,
    @Inject(COORDINATION_CLIENT_FACTORY) clientFactory: ClientFactory,
    @Inject(ZNODE_PATHS) private readonly paths: ZnodePaths,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IdentitySettings) private readonly settings: IdentitySettings,
  ) {
    this.session = new SessionBinding(client, { clientFactory });
    this.session.on('error', (e) =>
      this.logger.warn(`new coordinator session failed (retrying): ${String(e)}`),
    );
  }

  private get zk(): ZooKeeperClient {
    return this.session.client;
  }

  async onModuleInit(): Promise<void> {
    await retryTransient(() => this.rotate(), {
      signal: this.stopping.signal,
      // A lock wait that timed out or a lock lost with its session is the same trouble.
      isTransient: (e) =>
        isTransientCoordinatorError(e) || e instanceof RecipeTimeoutError || e instanceof LockLostError,
      onRetry: (e, attempt, delay) =>
        this.logger.warn(
          `boot key rotation failed (attempt ${attempt}): ${String(e)}; retrying in ${delay} ms`,
        ),
    });
    if (this.stopping.signal.aborted) return;
    this.timer = setInterval(() => {
      this.rotate().catch((e) => this.logger.warn(`key rotation failed (will retry): ${String(e)}`));
    }, this.settings.refreshS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.timer);
    await this.session.close();
  }

  /** The key new tokens are signed with. */
  current(): ActiveKey {
    if (this.active === undefined) throw new Error('no signing key loaded');
    return this.active;
  }

  /** Mints and retires keys as due, publishes the JWKS, and reloads the signing key. */
  async rotate(): Promise<void> {
    const lock = new Lock(this.zk, this.paths.lock('auth', 'signing-keys'));
    await lock.acquire({ timeoutMs: 30_000 });
    try {
      const now = this.clock.now().getTime();
      const rotationMs = this.settings.rotationS * 1000;
      const ttlMs = this.settings.tokenTtlS * 1000;
      const plan = planKeys(await this.keys.find(), now, rotationMs);
      if (plan.retire.length > 0) await this.keys.delete({ kid: In(plan.retire) });
      if (plan.mint)
        await this.mint(now, retirementOf(now, rotationMs, this.settings.refreshS * 1000, ttlMs));
      const live = await this.keys.find();
      await this.publish(live);
      const chosen = signingKeyOf(live, now);
      if (chosen === undefined) throw new Error('no live signing key after rotation');
      if (this.active?.kid !== chosen.kid) {
        this.active = {
          kid: chosen.kid,
          key: (await importJWK(JSON.parse(chosen.privateJwk) as JWK, TOKEN_ALGORITHM)) as CryptoKey,
        };
        this.logger.log(`signing with key ${chosen.kid}`);
      }
    } finally {
      await lock.release();
    }
  }

  private async mint(now: number, retiresAtMs: number): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, {
      crv: 'Ed25519',
      extractable: true,
    });
    const kid = `${new Date(now).toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    const pub = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' };
    const priv = { ...(await exportJWK(privateKey)), kid, alg: TOKEN_ALGORITHM };
    await this.keys.insert({
      kid,
      privateJwk: JSON.stringify(priv),
      publicJwk: JSON.stringify(pub),
      createdAtMs: now,
      retiresAtMs,
    });
    this.logger.log(`minted signing key ${kid}`);
  }

  /** Writes the JWKS if it differs from what is published (compare-and-set on the znode version). */
  private async publish(live: SigningKey[]): Promise<void> {
    const doc: JwksDocument = parseJwks({
      keys: live
        .sort((a, b) => b.createdAtMs - a.createdAtMs)
        .map((k) => ({ ...(JSON.parse(k.publicJwk) as PublicJwk), retiresAt: k.retiresAtMs })),
    });
    const data = Buffer.from(JSON.stringify(doc));
    const path = this.paths.jwks;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const { data: current, stat } = await this.zk.getData(path);
        if (current.equals(data)) return;
        await this.zk.setData(path, data, stat.version);
        return;
      } catch (err) {
        if (err instanceof NoNodeError) {
          await ensurePath(this.zk, path.slice(0, path.lastIndexOf('/')));
          try {
            await this.zk.create(path, data);
            return;
          } catch (e) {
            if (!(e instanceof NodeExistsError)) throw e;
          }
        } else if (!(err instanceof BadVersionError)) {
          throw err;
        }
      }
    }
    throw new Error('could not publish the JWKS after 5 attempts');
  }
}
