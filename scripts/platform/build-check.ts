/**
 * `npm start` builds when the build output is missing or older than the sources it comes from, so a
 * fresh clone needs only `npm install && npm start`, and an edited source is never run stale.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the platform runs; all must exist and be newer than every source. */
export const BUILD_OUTPUTS = [
  'dist/apps/coordinator/src/main.js',
  'dist/apps/course-enrollment/src/main.js',
  'dist/apps/exam-registration/src/main.js',
  'dist/apps/gateway/src/main.js',
  'dist/web/index.html',
];

const SOURCE_DIRS = ['apps', 'libs', 'migrations'];
const SOURCE_FILE = /\.(ts|tsx|mts|css|html)$/;

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.spec.ts'))
      newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Why a build is needed, or undefined when the output is current. */
export function buildNeeded(root: string): string | undefined {
  const missing = BUILD_OUTPUTS.filter((f) => !existsSync(join(root, f)));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const oldestOutput = Math.min(...BUILD_OUTPUTS.map((f) => statSync(join(root, f)).mtimeMs));
  const newestSource = Math.max(...SOURCE_DIRS.map((d) => newestMtime(join(root, d))));
  return newestSource > oldestOutput ? 'sources changed since the last build' : undefined;
}

/** Runs `npm run build` with its output shown; resolves with its exit code. */
export function runBuild(root: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}
