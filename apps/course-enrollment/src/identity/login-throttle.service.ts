/**
 * Counts FAILED logins per account and per client address over a sliding window, in the shared
 * database so every instance sees the same counts. Successful logins are never counted, so a whole
 * class signing in at once is not refused; only guessing is.
 */
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CLOCK, TooManyRequestsError, type Clock } from '@registrar/platform';
import { LessThan, MoreThan, Repository } from 'typeorm';
import { IdentitySettings } from './identity-settings.js';
import { LoginFailure } from './login-failure.entity.js';

@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectRepository(LoginFailure) private readonly failures: Repository<LoginFailure>,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IdentitySettings) private readonly settings: IdentitySettings,
  ) {}

  /** @throws TooManyRequestsError when the account or the address has failed too often lately. */
  async check(email: string, address: string): Promise<void> {
    const since = this.clock.now().getTime() - this.settings.failureWindowS * 1000;
    const [byAccount, byAddress] = await Promise.all([
      this.failures.count({ where: { email, atMs: MoreThan(since) } }),
      this.failures.count({ where: { address, atMs: MoreThan(since) } }),
    ]);
    if (
      byAccount >= this.settings.maxFailuresPerAccount ||
      byAddress >= this.settings.maxFailuresPerAddress
    ) {
      throw new TooManyRequestsError('too many failed logins; try again later', this.settings.failureWindowS);
    }
  }

  async recordFailure(email: string, address: string): Promise<void> {
    const now = this.clock.now().getTime();
    await this.failures.insert({ email, address: address.slice(0, 64), atMs: now });
    // Keep the table bounded: rows older than the window count for nothing.
    await this.failures.delete({ atMs: LessThan(now - this.settings.failureWindowS * 1000) });
  }

  /** A correct password clears the account's count (the address's stays). */
  async recordSuccess(email: string): Promise<void> {
    await this.failures.delete({ email });
  }
}
