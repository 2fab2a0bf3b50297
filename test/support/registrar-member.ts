import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ensemble, StartOptions } from './ensemble.js';
import { spawnMember } from './member-process.js';
import { startProcessEnsemble, type MemberLauncher } from './process-ensemble.js';
import type { MemberSpec } from './zk-config.js';

/** Repository root (this file is test/support/registrar-member.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Entry point of one Registrar coordinator member, relative to the repo root. */
export const REGISTRAR_MAIN = 'apps/coordinator/src/main.ts';

/** The same entry point as built by `npm run build`. */
export const REGISTRAR_BUILT_MAIN = 'dist/apps/coordinator/src/main.js';

/** True once the coordinator app exists in the working tree. */
export function registrarAvailable(): boolean {
  return existsSync(join(REPO_ROOT, REGISTRAR_MAIN));
}

const registrarLauncher: MemberLauncher = {
  label: 'Registrar',
  dirPrefix: 'registrar-member-',
  spawn(spec, files) {
    // Same zoo.cfg as Apache gets; one member per process, standalone being a one-member ensemble.
    const args =
      spec.registrarFrom === 'dist'
        ? [REGISTRAR_BUILT_MAIN, files.cfgPath]
        : ['--import', 'tsx', REGISTRAR_MAIN, files.cfgPath];
    return spawnMember(process.execPath, args, {
      cwd: REPO_ROOT,
      env: spec.env ? { ...process.env, ...spec.env } : process.env,
      outFile: files.logFile,
    });
  },
};

/**
 * Starts `opts.members` (default 1) Registrar members
 * (`node --import tsx apps/coordinator/src/main.ts <zoo.cfg>` from the repo root), each with its own temp
 * dir, and waits until each answers `ruok` and `srvr`. Same interface as `startApacheZooKeeper`.
 *
 * @example
 * const reg = await startRegistrar({ members: 3 });
 * try { ... reg.connectString ... } finally { await reg.stop(); }
 */
export async function startRegistrar(
  opts: StartOptions = {},
  plannedSpecs?: MemberSpec[],
): Promise<Ensemble> {
  if (!registrarAvailable()) throw new Error(`${REGISTRAR_MAIN} does not exist yet`);
  return startProcessEnsemble(registrarLauncher, opts, plannedSpecs);
}
