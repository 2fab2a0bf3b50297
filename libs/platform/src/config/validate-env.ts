import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { PlatformEnv } from './platform-env.js';

/** Thrown at boot when the environment is invalid; lists every bad key. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`));
}

/**
 * Validates the raw environment against `schema` (PlatformEnv or a subclass). Unknown keys are
 * ignored: the environment holds far more than our settings.
 * @throws InvalidEnvironmentError
 */
export function validateEnv<T extends PlatformEnv>(
  raw: Record<string, unknown>,
  schema: new () => T = PlatformEnv as new () => T,
): T {
  const env = plainToInstance(schema, raw, { exposeDefaultValues: true });
  const problems = describe(validateSync(env, { whitelist: false, skipMissingProperties: false }));
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}
