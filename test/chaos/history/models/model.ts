import type { Operation } from '../history.js';

/** Result of applying one operation to a model state. */
export interface StepResult<S> {
  /** False when the recorded outcome is impossible from `state`. */
  ok: boolean;
  state: S;
}

/**
 * A sequential specification for the linearizability checker.
 *
 * `step` receives the whole operation (name, input, output and status) because the legality of an
 * outcome depends on all of them:
 * - status 'ok': the op took effect and returned `output`; check the output and apply the effect.
 * - status 'fail': the op definitely had no effect; check that failing was possible from `state`
 *   (a BADVERSION cas must see another version) and return `state` unchanged.
 * - status 'unknown': `output` is absent; the op is being linearized here, so apply whatever effect
 *   it would have had from `state` (the checker separately allows it never to be linearized).
 */
export interface Model<S, I = unknown, O = unknown> {
  /** Human name, used in reports. */
  readonly name: string;
  init(): S;
  step(state: S, op: Operation<I, O>): StepResult<S>;
  /** Canonical string of a state, for memoization; defaults to JSON.stringify. */
  hash?(state: S): string;
  /** Partition key for an op when it is not simply `op.key` (e.g. a lock name inside a path). */
  key?(op: Operation<I, O>): string;
  /** Custom partitioning (P-compositionality); wins over `key`; defaults to grouping by `op.key`. */
  partition?(ops: ReadonlyArray<Operation<I, O>>): Operation<I, O>[][];
  /**
   * True when the op never changes state (e.g. a read). Unknown read-only ops carry no
   * information and are dropped before the search, which keeps it small.
   */
  readOnly?(op: Operation<I, O>): boolean;
  /** Short text for one op, used in witnesses. */
  describe?(op: Operation<I, O>): string;
}
