/**
 * The real effects for a member in its own process: the system clock, crypto randomness, console
 * logging with ISO timestamps, and exit code 70 (EX_SOFTWARE) on a fatal storage error. Only the
 * coordinator app (and CoordinatorServer's defaults) use this file.
 */
import { randomBytes } from 'node:crypto';
import type { MemberDeps } from './member-deps.js';

/** Exit status for a member that stops because its durable state failed (sysexits EX_SOFTWARE). */
export const FATAL_STORAGE_EXIT = 70;

export function systemDeps(): MemberDeps {
  const stamp = () => new Date().toISOString();
  return {
    clock: { now: () => Date.now() },
    rng: {
      nextUint32: () => randomBytes(4).readUInt32BE(0),
      bytes: (n) => randomBytes(n),
    },
    logger: {
      info: (m) => console.log(`${stamp()} ${m}`),
      warn: (m) => console.warn(`${stamp()} ${m}`),
      error: (m, err) =>
        err === undefined ? console.error(`${stamp()} ${m}`) : console.error(`${stamp()} ${m}`, err),
    },
    onFatal: (err) => {
      console.error(`${stamp()} fatal storage error, stopping member`, err);
      process.exit(FATAL_STORAGE_EXIT);
    },
  };
}
