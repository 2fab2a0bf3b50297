/** course-enrollment's settings beyond the platform's. */
import { Transform } from 'class-transformer';
import { IsEmail, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { envInt as toInt, PlatformEnv } from '@registrar/platform';

export class CourseEnrollmentEnv extends PlatformEnv {
  /** The first staff account, ensured on every start (its password is reset to this one if it differs). */
  @IsOptional()
  @IsEmail()
  REGISTRAR_ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(8)
  REGISTRAR_ADMIN_PASSWORD?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  ACCESS_TOKEN_TTL_S: number = 3_600;

  /** Age at which a new signing key replaces the current one. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(60)
  SIGNING_KEY_ROTATION_S: number = 7 * 86_400;

  /** How often every instance re-runs the rotation (mints and retires as due, republishes the JWKS). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  SIGNING_KEY_REFRESH_S: number = 600;

  /** log2 of scrypt's N (OWASP minimum 17); lower only in tests. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(20)
  PASSWORD_SCRYPT_LOG_N: number = 17;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ACCOUNT: number = 10;

  /** Higher than per account: a lecture hall shares one address. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_ADDRESS: number = 100;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_FAILURE_WINDOW_S: number = 900;

  /** Waitlist size of a course created without one, unless the config znode says otherwise. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(100_000)
  DEFAULT_WAITLIST_CAPACITY: number = 50;

  /**
   * TEST ONLY: after taking a course's lock, wait this long before writing (lets a test SIGSTOP an
   * instance while it holds the lock). 0 (default) = off.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(120_000)
  SEAT_TEST_PAUSE_AFTER_LOCK_MS: number = 0;
}
