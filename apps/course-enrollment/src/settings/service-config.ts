/**
 * The shape of `${root}/config/course-enrollment` (JSON), shared by every instance through a
 * ConfigCache. Pure validation: a bad document is refused and the cache keeps the previous value.
 */
export interface CourseEnrollmentServiceConfig {
  /** Waitlist size of a course created without `waitlistCapacity`. */
  defaultWaitlistCapacity?: number;
  /** How often the elected promoter looks for seats nobody promoted into, ms. */
  promoterIntervalMs?: number;
}

function intIn(v: unknown, key: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${key} must be an integer in [${min}, ${max}]`);
  }
  return v;
}

export function parseServiceConfig(value: unknown): CourseEnrollmentServiceConfig {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('course-enrollment config must be a JSON object');
  }
  const o = value as Record<string, unknown>;
  const out: CourseEnrollmentServiceConfig = {};
  const w = intIn(o['defaultWaitlistCapacity'], 'defaultWaitlistCapacity', 0, 100_000);
  if (w !== undefined) out.defaultWaitlistCapacity = w;
  const p = intIn(o['promoterIntervalMs'], 'promoterIntervalMs', 100, 3_600_000);
  if (p !== undefined) out.promoterIntervalMs = p;
  return out;
}
