import { writeFile } from 'node:fs/promises';
import type { Operation, OpStatus } from './history.js';

/** A monotonic nanosecond clock; injected so tests can drive time. */
export type MonotonicClock = () => bigint;

/** Opaque handle returned by {@link HistoryRecorder.invoke}; pass it back to complete the op. */
export interface OpHandle {
  readonly index: number;
}

interface PendingOp {
  process: number | string;
  op: string;
  key: string;
  input: unknown;
  output?: unknown;
  invoke: bigint;
  complete?: bigint;
  status?: OpStatus;
}

/** Thrown when a handle is completed twice or does not belong to this recorder. */
export class HistoryRecorderError extends Error {
  override readonly name = 'HistoryRecorderError';
}

/**
 * Records client operations with monotonic invoke/complete times.
 *
 * Times are stored as bigint nanoseconds and exported relative to the recorder's origin (its first
 * clock reading), so they fit comfortably in a JSON number.
 *
 * @example
 * const rec = new HistoryRecorder();
 * const h = rec.invoke(1, 'write', '/r', { value: 'a' });
 * rec.ok(h, { version: 1 });
 * await rec.writeJsonLines('/tmp/history.jsonl');
 */
export class HistoryRecorder {
  private readonly ops: PendingOp[] = [];
  private readonly origin: bigint;

  constructor(private readonly clock: MonotonicClock = () => process.hrtime.bigint()) {
    this.origin = clock();
  }

  /** Marks the start of an operation; call before sending the request. */
  invoke(process: number | string, op: string, key: string, input: unknown): OpHandle {
    this.ops.push({ process, op, key, input, invoke: this.clock() });
    return { index: this.ops.length - 1 };
  }

  /** The operation took effect and returned `output`. */
  ok(handle: OpHandle, output: unknown): void {
    this.finish(handle, 'ok', output);
  }

  /** The operation definitely did not take effect (e.g. BADVERSION); `output` describes why. */
  fail(handle: OpHandle, output?: unknown): void {
    this.finish(handle, 'fail', output);
  }

  /**
   * Timeout or connection loss: the operation may or may not have taken effect. `output` (optional)
   * is what was seen anyway, e.g. an HTTP 503 body; it is kept for the post-mortem, and the op still
   * counts as never completed.
   */
  unknown(handle: OpHandle, output?: unknown): void {
    this.finish(handle, 'unknown', output);
  }

  /** Number of operations invoked so far. */
  get size(): number {
    return this.ops.length;
  }

  /**
   * The history so far, times in ns since the recorder's origin. Operations still pending are
   * reported as 'unknown' (a run that ends mid-operation cannot know whether it applied).
   */
  toJSON(): Operation[] {
    return this.ops.map((p) => {
      const status = p.status ?? 'unknown';
      const out: Operation = {
        process: p.process,
        op: p.op,
        key: p.key,
        input: p.input,
        invoke: Number(p.invoke - this.origin),
        status,
      };
      if (status !== 'unknown') {
        out.output = p.output;
        out.complete = Number((p.complete ?? p.invoke) - this.origin);
      } else if (p.output !== undefined) {
        out.output = p.output;
      }
      return out;
    });
  }

  /** Writes the history as JSON lines (one operation per line) to `path`. */
  async writeJsonLines(path: string): Promise<void> {
    const lines = this.toJSON().map((op) => JSON.stringify(op));
    await writeFile(path, lines.length === 0 ? '' : lines.join('\n') + '\n', 'utf8');
  }

  private finish(handle: OpHandle, status: OpStatus, output: unknown): void {
    const p = this.ops[handle.index];
    if (p === undefined) throw new HistoryRecorderError(`unknown handle ${handle.index}`);
    if (p.status !== undefined) {
      throw new HistoryRecorderError(`operation ${handle.index} already completed (${p.status})`);
    }
    p.status = status;
    if (status !== 'unknown') p.complete = this.clock();
    p.output = output;
  }
}

/** Parses a JSON-lines history written by {@link HistoryRecorder.writeJsonLines}. */
export function parseJsonLines(text: string): Operation[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Operation);
}
