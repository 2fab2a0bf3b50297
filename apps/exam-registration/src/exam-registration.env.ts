/** Settings of exam-registration beyond the platform's (validated at boot). */
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PlatformEnv } from '@registrar/platform';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);

export class ExamRegistrationEnv extends PlatformEnv {
  /** Registration for a session closes this many minutes before it starts. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60 * 24 * 30)
  EXAM_REGISTRATION_CLOSE_MINUTES: number = 60;

  /** Interval of the SSE heartbeat comment that keeps idle streams open through proxies. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1_000)
  @Max(120_000)
  SSE_HEARTBEAT_MS: number = 15_000;

  /**
   * TEST ONLY: a schedule write stops this long at `SCHEDULE_TEST_PAUSE_AT` (after its database
   * side and before the znode write, or after the znode write and before the commit record), so a
   * test can kill -9 the instance there and check the recovery. 0 (default) = off.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SCHEDULE_TEST_PAUSE_MS: number = 0;

  @IsOptional()
  @IsIn(['before-znode', 'after-znode'])
  SCHEDULE_TEST_PAUSE_AT?: 'before-znode' | 'after-znode';
}
