/** Helpers for the storage specs: temp dirs and deterministic payloads. Tests only. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory under os.tmpdir(); call the returned cleanup when done. */
export async function tempDir(tag = 'storage'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `registrar-${tag}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Deterministic payload for a zxid, of varying length, so a mix-up between entries shows. */
export function payloadFor(zxid: number, maxLen = 64): Buffer {
  const len = (zxid * 7919) % maxLen;
  const b = Buffer.alloc(len + 8);
  b.writeUInt32BE(Math.floor(zxid / 0x1_0000_0000), 0);
  b.writeUInt32BE(zxid >>> 0, 4);
  for (let i = 0; i < len; i++) b[8 + i] = (zxid + i * 31) & 0xff;
  return b;
}

/** Collect an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
