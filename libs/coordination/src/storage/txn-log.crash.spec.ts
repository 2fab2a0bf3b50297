/**
 * A real crash: a child process appends as fast as it can and prints each zxid once its append
 * resolved; we SIGKILL it mid-stream and check that everything it reported as acknowledged is in the
 * log, and that the log is a contiguous prefix with the right payloads.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, tempDir } from './test-helpers.js';
import { TxnLog } from './txn-log.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('crash')));
afterEach(async () => cleanup());

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '../../../..');

function childScript(logDir: string): string {
  const logModule = pathToFileURL(join(here, 'txn-log.ts')).href;
  const helpers = pathToFileURL(join(here, 'test-helpers.ts')).href;
  return `
import { TxnLog } from ${JSON.stringify(logModule)};
import { payloadFor } from ${JSON.stringify(helpers)};
const log = await TxnLog.open(${JSON.stringify(logDir)}, { segmentBytes: 64 * 1024 });
let next = 1;
let inflight = 0;
function pump() {
  // Keep many appends outstanding so group commit batches them, as a busy leader would.
  while (inflight < 64) {
    const z = next++;
    inflight++;
    log.append(z, payloadFor(z, 300)).then(() => { inflight--; process.stdout.write(z + '\\n'); pump(); },
      (e) => { console.error(e); process.exit(2); });
  }
}
process.stdout.write('ready\\n');
pump();
`;
}

describe('TxnLog crash safety', () => {
  it('keeps every acknowledged entry across SIGKILL, as a contiguous prefix', async () => {
    const logDir = join(dir, 'log');
    const script = join(dir, 'child.mts');
    await writeFile(script, childScript(logDir));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((res) =>
      child.on('exit', (code, sig) => res(sig ?? code)),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child made no progress; stderr: ${err}`)), 30_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // Kill at an arbitrary point well into the stream, while appends are in flight.
          if (out.split('\n').length > 3000) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`child exited early; stderr: ${err}`)));
      });
    } finally {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');

    // Only complete lines count: the last one may have been cut by the kill.
    const lines = out
      .split('\n')
      .slice(0, -1)
      .filter((l) => l !== 'ready');
    const acked = lines.map(Number);
    const maxAcked = Math.max(...acked);
    expect(acked.length).toBeGreaterThan(1000);

    const log = await TxnLog.open(logDir);
    try {
      const entries = await collect(log.read(0));
      const zxids = entries.map((e) => e.zxid);
      console.log(
        `crash test: ${acked.length} acked (max ${maxAcked}), ${zxids.length} recovered, ${log.segments().length} segments`,
      );
      expect(zxids.length).toBeGreaterThanOrEqual(maxAcked);
      // Contiguous prefix 1..n, every payload intact.
      zxids.forEach((z, i) => expect(z).toBe(i + 1));
      const { payloadFor } = await import('./test-helpers.js');
      for (const e of entries) expect(e.payload.equals(payloadFor(e.zxid, 300))).toBe(true);
      expect(log.lastZxid).toBe(zxids.length);
    } finally {
      await log.close();
    }
  });
});
