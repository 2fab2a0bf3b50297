/**
 * This service's shared settings: the config znode `${root}/config/course-enrollment` kept in a
 * ConfigCache (every instance sees a change within moments, no restart), falling back to the
 * environment's defaults while the znode is missing or invalid.
 */
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ServiceName } from '@registrar/contracts';
import { ConfigCache, type ClientFactory, type ZooKeeperClient } from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';
import { PlatformConfig, ZNODE_PATHS, type ZnodePaths } from '@registrar/platform';
import type { CourseEnrollmentEnv } from '../course-enrollment.env.js';
import { parseServiceConfig, type CourseEnrollmentServiceConfig } from './service-config.js';

const DEFAULT_PROMOTER_INTERVAL_MS = 2_000;

@Injectable()
export class CourseSettings implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CourseSettings.name);
  private readonly cache: ConfigCache<CourseEnrollmentServiceConfig>;

  constructor(
    private readonly config: PlatformConfig<CourseEnrollmentEnv>,
    @Inject(COORDINATION_CLIENT) client: ZooKeeperClient,
    @Inject(COORDINATION_CLIENT_FACTORY) clientFactory: ClientFactory,
    @Inject(ZNODE_PATHS) paths: ZnodePaths,
  ) {
    this.cache = new ConfigCache({
      client,
      clientFactory,
      path: paths.serviceConfig(ServiceName.courseEnrollment),
      validate: parseServiceConfig,
    });
    this.cache.on('invalid', (e) => this.logger.warn(`ignoring invalid config znode: ${e.message}`));
    this.cache.on('error', (e) => this.logger.warn(`config znode read failed: ${String(e)}`));
  }

  async onModuleInit(): Promise<void> {
    await this.cache.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.cache.close();
  }

  get defaultWaitlistCapacity(): number {
    return this.cache.value?.defaultWaitlistCapacity ?? this.config.env.DEFAULT_WAITLIST_CAPACITY;
  }

  get promoterIntervalMs(): number {
    return this.cache.value?.promoterIntervalMs ?? DEFAULT_PROMOTER_INTERVAL_MS;
  }

  /** Test-only pause between taking a course lock and writing (0 = off). */
  get testPauseAfterLockMs(): number {
    return this.config.env.SEAT_TEST_PAUSE_AFTER_LOCK_MS;
  }

  /** Resolves once the cache reflects every change seen so far (tests). */
  idle(): Promise<void> {
    return this.cache.idle();
  }
}
