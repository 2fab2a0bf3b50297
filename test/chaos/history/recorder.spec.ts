import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { checkLinearizable } from './checker.js';
import { registerCasModel } from './models/register-cas.js';
import { HistoryRecorder, HistoryRecorderError, parseJsonLines } from './recorder.js';

/** A fake monotonic clock advancing 10 ns per reading, starting at a huge hrtime-like value. */
function fakeClock(start = 1_000_000_000_000n): () => bigint {
  let t = start;
  return () => (t += 10n);
}

describe('HistoryRecorder', () => {
  it('records ok, fail and unknown ops with times relative to its origin', () => {
    const rec = new HistoryRecorder(fakeClock());
    const w = rec.invoke(1, 'write', '/r', { value: 'a' }); // t=20
    const c = rec.invoke(2, 'cas', '/r', { value: 'b', expectedVersion: 5 }); // t=30
    rec.ok(w, { version: 1 }); // t=40
    rec.fail(c, { code: -103 }); // t=50
    const u = rec.invoke(3, 'write', '/r', { value: 'c' }); // t=60
    rec.unknown(u);
    expect(rec.toJSON()).toEqual([
      {
        process: 1,
        op: 'write',
        key: '/r',
        input: { value: 'a' },
        output: { version: 1 },
        invoke: 10,
        complete: 30,
        status: 'ok',
      },
      {
        process: 2,
        op: 'cas',
        key: '/r',
        input: { value: 'b', expectedVersion: 5 },
        output: { code: -103 },
        invoke: 20,
        complete: 40,
        status: 'fail',
      },
      { process: 3, op: 'write', key: '/r', input: { value: 'c' }, invoke: 50, status: 'unknown' },
    ]);
  });

  it('reports ops still pending as unknown', () => {
    const rec = new HistoryRecorder(fakeClock());
    rec.invoke(1, 'read', '/r', {});
    expect(rec.toJSON()[0]?.status).toBe('unknown');
    expect(rec.toJSON()[0]?.complete).toBeUndefined();
  });

  it('refuses to complete an op twice', () => {
    const rec = new HistoryRecorder(fakeClock());
    const h = rec.invoke(1, 'read', '/r', {});
    rec.ok(h, { value: null, version: 0 });
    expect(() => rec.unknown(h)).toThrow(HistoryRecorderError);
    expect(() => rec.ok({ index: 99 }, null)).toThrow(HistoryRecorderError);
  });

  it('writes JSON lines that parse back into a checkable history', async () => {
    const rec = new HistoryRecorder(fakeClock());
    const w = rec.invoke(1, 'write', '/r', { value: 'a' });
    rec.ok(w, { version: 1 });
    const r = rec.invoke(2, 'read', '/r', {});
    rec.ok(r, { value: null, version: 0 }); // stale: the write completed before this read began
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    try {
      const path = join(dir, 'h.jsonl');
      await rec.writeJsonLines(path);
      const text = readFileSync(path, 'utf8');
      expect(text.trim().split('\n')).toHaveLength(2);
      const parsed = parseJsonLines(text);
      expect(parsed).toEqual(rec.toJSON());
      expect(checkLinearizable(registerCasModel(), parsed as never).result).toBe('illegal');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('uses process.hrtime.bigint by default', () => {
    const rec = new HistoryRecorder();
    const h = rec.invoke(1, 'read', '/r', {});
    rec.ok(h, {});
    const [op] = rec.toJSON();
    expect(typeof op?.invoke).toBe('number');
    expect(Number(op?.complete)).toBeGreaterThanOrEqual(Number(op?.invoke));
  });
});
