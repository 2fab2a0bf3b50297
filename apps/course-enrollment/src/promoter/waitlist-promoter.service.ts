/**
 * The waitlist promoter: exactly one instance (the leader of `${root}/elections/waitlist-promoter`)
 * periodically looks for courses with a free seat and a waitlist, and promotes through the seat
 * allocator (same lock, same fence) — seats freed by something that did not promote, e.g. an
 * instance that died between its drop and the promotion, or a pool edited by hand. Drops and
 * capacity growth promote in their own locked step; this is the safety net, so a slow interval is
 * fine.
 */
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { LeaderLatch, type ClientFactory, type ZooKeeperClient } from '@registrar/coordination';
import { COORDINATION_CLIENT, COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';
import { PlatformConfig, ZNODE_PATHS, type ZnodePaths } from '@registrar/platform';
import { DataSource } from 'typeorm';
import { CourseSeats } from '../courses/course-seats.js';
import { CourseSettings } from '../settings/course-settings.service.js';
import { promotionCandidates } from './promotion-candidates.js';

export const PROMOTER_ELECTION = 'waitlist-promoter';

@Injectable()
export class WaitlistPromoter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WaitlistPromoter.name);
  private readonly latch: LeaderLatch;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Promotions made by this instance while leader (tests and logs). */
  promotedTotal = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly seats: CourseSeats,
    private readonly settings: CourseSettings,
    config: PlatformConfig,
    @Inject(COORDINATION_CLIENT) client: ZooKeeperClient,
    @Inject(COORDINATION_CLIENT_FACTORY) clientFactory: ClientFactory,
    @Inject(ZNODE_PATHS) paths: ZnodePaths,
  ) {
    this.latch = new LeaderLatch(client, paths.election(PROMOTER_ELECTION), {
      id: config.instanceId,
      clientFactory,
    });
    this.latch.on('leader', () => {
      this.logger.log('leading the waitlist promoter');
      this.schedule();
    });
    this.latch.on('follower', () => this.stop());
    this.latch.on('failed', (e) => this.logger.warn(`promoter election check failed: ${String(e)}`));
  }

  get isLeader(): boolean {
    return this.latch.isLeader;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.latch.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop();
    await this.latch.close().catch(() => undefined);
  }

  /** One pass: promote into every course with a free seat and a waitlist. */
  async runOnce(): Promise<number> {
    let promoted = 0;
    for (const id of await promotionCandidates(this.dataSource.manager)) {
      try {
        const r = await this.seats.submit(id, { kind: 'promote' });
        if (r.kind === 'promoted') promoted += r.promoted.length;
      } catch (e) {
        this.logger.warn(`promotion in course ${id} failed (next pass retries): ${String(e)}`);
      }
    }
    if (promoted > 0) this.logger.log(`promoted ${promoted} waitlisted student(s) into freed seats`);
    this.promotedTotal += promoted;
    return promoted;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), this.settings.promoterIntervalMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running || !this.latch.isLeader) return;
    this.running = true;
    try {
      await this.runOnce();
    } catch (e) {
      this.logger.warn(`promoter pass failed: ${String(e)}`);
    } finally {
      this.running = false;
      if (this.latch.isLeader) this.schedule();
    }
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
