/**
 * TEST ONLY: what the coordinator's main switches on when the chaos harness asks for it.
 *
 * REGISTRAR_TEST_STORAGE=lose-unsynced makes the member's storage run on a LoseUnsyncedFileSystem,
 * so that a kill -9 of the member loses everything not fsynced (a power loss);
 * REGISTRAR_TEST_CRASH_POINTS arms crash points inside it (see parseCrashPoints), and
 * REGISTRAR_TEST_CRASH_ARM_FILE limits them to while that file exists. None is read
 * from zoo.cfg, so no production config can turn them on.
 */
import { setStorageFileSystem } from './file-system.js';
import { LoseUnsyncedFileSystem, parseCrashPoints } from './lose-unsynced-file-system.js';
import { plantAckBeforeFsync } from './txn-log.js';

export const TEST_STORAGE_MODES = ['lose-unsynced'] as const;

export class TestStorageConfigError extends Error {
  override readonly name = 'TestStorageConfigError';
}

/**
 * Applies the test storage settings for this process. Returns the warnings main must print (empty
 * when nothing was switched on).
 *
 * @example
 * for (const w of configureTestStorage({ storage: env.REGISTRAR_TEST_STORAGE, crashPoints: env.REGISTRAR_TEST_CRASH_POINTS }))
 *   console.error(w);
 */
export function configureTestStorage(opts: {
  storage?: string;
  crashPoints?: string;
  /** REGISTRAR_TEST_CRASH_ARM_FILE: crash points fire only while this file exists */
  crashArmFile?: string;
  /** REGISTRAR_TEST_FSYNC_DELAY_MS: every fsync takes at least this long (a slow disk) */
  fsyncDelayMs?: string;
  /** planted bug skip-fsync-before-ack */
  ackBeforeFsync?: boolean;
}): string[] {
  const warnings: string[] = [];
  const mode = opts.storage?.trim() ?? '';
  let crash: ReturnType<typeof parseCrashPoints>;
  try {
    crash = parseCrashPoints(opts.crashPoints);
  } catch (e) {
    throw new TestStorageConfigError((e as Error).message);
  }
  if (mode !== '' && mode !== 'lose-unsynced') {
    throw new TestStorageConfigError(
      `REGISTRAR_TEST_STORAGE: unknown mode "${mode}" (known: ${TEST_STORAGE_MODES.join(', ')})`,
    );
  }
  if (crash.points.length > 0 && mode === '') {
    throw new TestStorageConfigError(
      'REGISTRAR_TEST_CRASH_POINTS needs REGISTRAR_TEST_STORAGE=lose-unsynced',
    );
  }
  const syncDelayMs =
    opts.fsyncDelayMs === undefined || opts.fsyncDelayMs === '' ? 0 : Number(opts.fsyncDelayMs);
  if (!Number.isInteger(syncDelayMs) || syncDelayMs < 0 || syncDelayMs > 10_000) {
    throw new TestStorageConfigError(
      `REGISTRAR_TEST_FSYNC_DELAY_MS: expected an integer number of ms, got "${opts.fsyncDelayMs}"`,
    );
  }
  if (mode === 'lose-unsynced') {
    setStorageFileSystem(
      new LoseUnsyncedFileSystem({
        crashPoints: crash.points,
        crashProbability: crash.probability,
        ...(opts.crashArmFile ? { armFile: opts.crashArmFile } : {}),
        syncDelayMs,
      }),
    );
    warnings.push(
      'WARNING: test storage lose-unsynced: everything not fsynced lives in memory only; a kill -9 of this ' +
        'member is a power loss (REGISTRAR_TEST_STORAGE, chaos testing only)' +
        (syncDelayMs ? `; every fsync takes ${syncDelayMs} ms more` : '') +
        (crash.points.length
          ? `; crash points armed: ${crash.points.join(', ')} with probability ${crash.probability}` +
            (opts.crashArmFile ? ` while ${opts.crashArmFile} exists` : '')
          : ''),
    );
  }
  if (opts.ackBeforeFsync) {
    plantAckBeforeFsync(true);
    warnings.push('WARNING: planted storage bug: log appends are acknowledged before their fsync');
  }
  return warnings;
}
