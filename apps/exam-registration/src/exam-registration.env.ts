/** Settings of exam-registration beyond the platform's (validated at boot). */
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
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
}
