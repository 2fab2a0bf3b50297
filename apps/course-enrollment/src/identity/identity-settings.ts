import { PlatformConfig } from '@registrar/platform';
import type { CourseEnrollmentEnv } from '../course-enrollment.env.js';

/** The identity settings, read once from the validated environment. */
export class IdentitySettings {
  readonly adminEmail: string | undefined;
  readonly adminPassword: string | undefined;
  readonly tokenTtlS: number;
  readonly rotationS: number;
  readonly refreshS: number;
  readonly scryptLogN: number;
  readonly maxFailuresPerAccount: number;
  readonly maxFailuresPerAddress: number;
  readonly failureWindowS: number;

  constructor(config: PlatformConfig) {
    const env = config.env as CourseEnrollmentEnv;
    this.adminEmail = env.REGISTRAR_ADMIN_EMAIL?.toLowerCase();
    this.adminPassword = env.REGISTRAR_ADMIN_PASSWORD;
    this.tokenTtlS = env.ACCESS_TOKEN_TTL_S;
    this.rotationS = env.SIGNING_KEY_ROTATION_S;
    this.refreshS = env.SIGNING_KEY_REFRESH_S;
    this.scryptLogN = env.PASSWORD_SCRYPT_LOG_N;
    this.maxFailuresPerAccount = env.LOGIN_MAX_FAILURES_PER_ACCOUNT;
    this.maxFailuresPerAddress = env.LOGIN_MAX_FAILURES_PER_ADDRESS;
    this.failureWindowS = env.LOGIN_FAILURE_WINDOW_S;
  }
}
