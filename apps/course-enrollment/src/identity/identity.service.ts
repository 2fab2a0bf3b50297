/**
 * Accounts and access tokens. Students register themselves; staff create instructor and staff
 * accounts; the first staff account comes from the environment on every start.
 */
import { Inject, Injectable, Logger, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CLOCK, Role, TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER, type Clock } from '@registrar/platform';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { QueryFailedError, Repository } from 'typeorm';
import { Account } from './account.entity.js';
import { accountView, type AccountView } from './account.view.js';
import { EmailTakenError, InvalidCredentialsError } from './identity.errors.js';
import { IdentitySettings } from './identity-settings.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordHasher } from './password-hasher.js';
import { SigningKeysService } from './signing-keys.service.js';

export interface NewAccount {
  email: string;
  password: string;
  name: string;
  role: Role;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  account: AccountView;
}

function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const e = err.driverError as { code?: string; message?: string };
  return e.code === '23505' || (e.code === 'SQLITE_CONSTRAINT' && /UNIQUE/.test(e.message ?? ''));
}

@Injectable()
export class IdentityService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Identity');
  private readonly hasher: PasswordHasher;

  constructor(
    @InjectRepository(Account) private readonly accounts: Repository<Account>,
    @Inject(SigningKeysService) private readonly keys: SigningKeysService,
    @Inject(LoginThrottleService) private readonly throttle: LoginThrottleService,
    @Inject(IdentitySettings) private readonly settings: IdentitySettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.hasher = new PasswordHasher(settings.scryptLogN);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureAdmin();
  }

  /** @throws EmailTakenError */
  async create(input: NewAccount): Promise<AccountView> {
    const account = this.accounts.create({
      id: randomUUID(),
      email: input.email.trim().toLowerCase(),
      name: input.name.trim(),
      role: input.role,
      passwordHash: await this.hasher.hash(input.password),
      createdAt: this.clock.now(),
    });
    try {
      await this.accounts.insert(account);
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailTakenError();
      throw err;
    }
    return accountView(account);
  }

  /** @throws TooManyRequestsError, InvalidCredentialsError */
  async login(emailIn: string, password: string, address: string): Promise<IssuedToken> {
    const email = emailIn.trim().toLowerCase();
    await this.throttle.check(email, address);
    const account = await this.accounts.findOne({
      where: { email },
      select: ['id', 'email', 'name', 'role', 'createdAt', 'passwordHash'],
    });
    const ok = account
      ? await this.hasher.verify(password, account.passwordHash)
      : (await this.hasher.burn(password), false);
    if (!account || !ok) {
      await this.throttle.recordFailure(email, address);
      throw new InvalidCredentialsError();
    }
    await this.throttle.recordSuccess(email);
    return this.issue(account);
  }

  async get(id: string): Promise<AccountView> {
    const account = await this.accounts.findOneBy({ id });
    if (!account) throw new NotFoundException('account not found');
    return accountView(account);
  }

  private async issue(account: Account): Promise<IssuedToken> {
    const { kid, key } = this.keys.current();
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const ttl = this.settings.tokenTtlS;
    const accessToken = await new SignJWT({ role: account.role, email: account.email, name: account.name })
      .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid, typ: 'JWT' })
      .setSubject(account.id)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setJti(randomUUID())
      .sign(key);
    return { accessToken, tokenType: 'Bearer', expiresIn: ttl, account: accountView(account) };
  }

  /**
   * Ensures the configured staff account exists with the configured password. Several instances
   * start at once: a lost insert race is fine (the winner's row is then checked like any other).
   */
  private async ensureAdmin(): Promise<void> {
    const email = this.settings.adminEmail;
    const password = this.settings.adminPassword;
    if (email === undefined) return;
    if (password === undefined) {
      this.logger.warn(
        'REGISTRAR_ADMIN_EMAIL is set without REGISTRAR_ADMIN_PASSWORD: staff account not ensured',
      );
      return;
    }
    try {
      await this.create({ email, password, name: 'Registrar administrator', role: Role.staff });
      this.logger.log(`created staff account ${email}`);
      return;
    } catch (err) {
      if (!(err instanceof EmailTakenError)) throw err;
    }
    const existing = await this.accounts.findOne({
      where: { email },
      select: ['id', 'role', 'passwordHash'],
    });
    if (!existing) return;
    const patch: Partial<Account> = {};
    if (existing.role !== Role.staff) patch.role = Role.staff;
    if (!(await this.hasher.verify(password, existing.passwordHash)))
      patch.passwordHash = await this.hasher.hash(password);
    if (Object.keys(patch).length > 0) {
      await this.accounts.update({ id: existing.id }, patch);
      this.logger.log(`updated staff account ${email} (${Object.keys(patch).join(', ')})`);
    }
  }
}
