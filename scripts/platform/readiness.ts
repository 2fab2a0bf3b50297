/**
 * Bounded waits for start-up: a member answering its four-letter words, an ensemble with a leader,
 * an HTTP endpoint answering 200. Each gives up early when the process it waits for has died, so a
 * failed start is reported at once with the reason instead of after the timeout.
 */
import { connect } from 'node:net';
import type { Managed } from './supervisor.js';

export class StartupError extends Error {}

export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    socket.once('connect', () => socket.write(word));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Polls `check` every 250 ms until it returns true; fails when `timeoutMs` passes or `watch` dies. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  watch: Managed[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = watch.find((m) => m.hasExited());
    if (dead) throw new StartupError(`${dead.name} exited while waiting for ${what} (see its log above)`);
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline)
      throw new StartupError(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The `Mode:` a member reports in `srvr`, or undefined while it cannot serve. */
export async function memberMode(host: string, port: number): Promise<string | undefined> {
  const text = await fourLetterWord(host, port, 'srvr');
  return /^Mode:\s*(\S+)/m.exec(text)?.[1];
}

export async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await r.body?.cancel();
  return r.status === 200;
}
