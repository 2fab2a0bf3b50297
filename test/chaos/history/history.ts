/**
 * History types shared by the recorder, the models and the linearizability checker.
 *
 * Vocabulary follows Jepsen/Knossos: an operation is invoked by a process and completes 'ok'
 * (it took effect, output observed), 'fail' (it definitely did NOT take effect, e.g. BADVERSION,
 * NODEEXISTS) or 'unknown' (timeout / connection loss: it may have taken effect at any instant
 * after its invoke, or never; Knossos' `:info`).
 */

/** Outcome of one client operation. */
export type OpStatus = 'ok' | 'fail' | 'unknown';

/** A monotonic timestamp in nanoseconds (process.hrtime.bigint() or a number derived from it). */
export type Timestamp = number | bigint;

/**
 * One client operation as recorded.
 *
 * @example
 * const op: Operation = { process: 1, op: 'cas', key: '/r', input: { value: 'b', expectedVersion: 0 },
 *   output: { version: 1 }, invoke: 10, complete: 25, status: 'ok' };
 */
export interface Operation<I = unknown, O = unknown> {
  /** The logical client (Jepsen "process"); a process issues one operation at a time. */
  process: number | string;
  /** Operation name understood by the model, e.g. 'read', 'write', 'cas'. */
  op: string;
  /** Partition key (znode path, lock name); operations on different keys are checked apart. */
  key: string;
  input: I;
  /** Observed result; absent for 'unknown' operations. */
  output?: O;
  invoke: Timestamp;
  /** Completion time; absent (treated as +infinity) for 'unknown' operations. */
  complete?: Timestamp;
  status: OpStatus;
}

/** A recorded history: operations in any order (the checker sorts by time). */
export type History<I = unknown, O = unknown> = ReadonlyArray<Operation<I, O>>;

/** Converts a timestamp to bigint so number and bigint times compare exactly. */
export function toNanos(t: Timestamp): bigint {
  return typeof t === 'bigint' ? t : BigInt(Math.round(t));
}
