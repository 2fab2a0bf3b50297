/**
 * The environment every service validates at boot. A service with settings of its own extends
 * this class; `validateEnv` turns the raw environment into an instance or refuses to start with
 * every problem named at once.
 */
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

/** `@Transform(envInt)`: environment values are strings; an empty one means unset. */
export const envInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const toInt = envInt;

export class PlatformEnv {
  /** `host:port[,host:port...]` of the coordinator ensemble (ours or Apache ZooKeeper). */
  @IsString()
  @Matches(/^[^/\s]+(,[^/\s]+)*$/, {
    message: 'COORDINATION_CONNECT_STRING must be host:port[,host:port...] (no chroot)',
  })
  COORDINATION_CONNECT_STRING!: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(2_000)
  @Max(120_000)
  COORDINATION_SESSION_TIMEOUT_MS: number = 10_000;

  /** Root znode of the platform's coordination state. */
  @IsOptional()
  @Matches(/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, {
    message: 'REGISTRAR_ZK_ROOT must be an absolute znode path like /registrar',
  })
  REGISTRAR_ZK_ROOT: string = '/registrar';

  @IsOptional()
  @IsString()
  HOST: string = '127.0.0.1';

  /** Address other processes reach this instance on (registered in the service registry). */
  @IsOptional()
  @IsString()
  ADVERTISED_HOST?: string;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65_535)
  HTTP_PORT: number = 0;

  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65_535)
  RPC_PORT?: number;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'INSTANCE_ID must be 1-64 characters of [A-Za-z0-9._-]' })
  INSTANCE_ID?: string;

  /** SQLite file (the embedded default). Ignored when DATABASE_URL is set. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  DATABASE_PATH?: string;

  /** `postgres://user:pass@host:port/db` selects PostgreSQL. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  @IsOptional()
  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /**
   * Comma-separated names of deliberately broken behaviours, for the chaos suite and for tests that
   * must prove a guard can fail. Never set in production; every use logs a warning at boot.
   */
  @IsOptional()
  @IsString()
  REGISTRAR_PLANTED_BUGS?: string;

  /**
   * Test only: a file path; the boot waits, after listening and before registering, until that
   * file exists, so a test can take the coordinator member away exactly then
   * (test/e2e/exam-registration/boot-registration.spec.ts). Logged as a warning when set.
   */
  @IsOptional()
  @IsString()
  @MinLength(1)
  REGISTRAR_TEST_HOLD_REGISTRATION?: string;
}
