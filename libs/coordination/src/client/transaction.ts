/**
 * multi(): the ops, their encoding, a fluent builder and the error thrown when one op fails.
 */
import { CreateFlags } from '../protocol/constants.js';
import { BadArgumentsError, CoordinationError, errorCodeMessage } from '../protocol/errors.js';
import type { CreateRequest } from '../protocol/records.js';
import type { CreateMode, CreateOptions, Data, Op, OpError, OpResult } from './client-types.js';

/** The wire op and flags of a create mode. */
export function createRequestShape(
  mode: CreateMode,
  ttl: number | undefined,
  path: string,
): { op: CreateRequest['op']; flags: number } {
  const isTtl = mode === 'ttl' || mode === 'persistent_sequential_ttl';
  if (isTtl && (ttl === undefined || !Number.isInteger(ttl) || ttl <= 0)) {
    throw new BadArgumentsError(path, { detail: `mode ${mode} needs a positive integer ttl` });
  }
  if (!isTtl && ttl !== undefined)
    throw new BadArgumentsError(path, { detail: `ttl is only valid with a ttl mode, not ${mode}` });
  switch (mode) {
    case 'persistent':
      return { op: 'create2', flags: CreateFlags.PERSISTENT };
    case 'ephemeral':
      return { op: 'create2', flags: CreateFlags.EPHEMERAL };
    case 'persistent_sequential':
      return { op: 'create2', flags: CreateFlags.PERSISTENT_SEQUENTIAL };
    case 'ephemeral_sequential':
      return { op: 'create2', flags: CreateFlags.EPHEMERAL_SEQUENTIAL };
    case 'container':
      return { op: 'createContainer', flags: CreateFlags.CONTAINER };
    case 'ttl':
      return { op: 'createTTL', flags: CreateFlags.PERSISTENT_WITH_TTL };
    case 'persistent_sequential_ttl':
      return { op: 'createTTL', flags: CreateFlags.PERSISTENT_SEQUENTIAL_WITH_TTL };
    default:
      throw new BadArgumentsError(path, { detail: `unknown create mode ${String(mode)}` });
  }
}

/** True for the sequential modes (their path may end with '/'). */
export function isSequentialMode(mode: CreateMode): boolean {
  return (
    mode === 'persistent_sequential' ||
    mode === 'ephemeral_sequential' ||
    mode === 'persistent_sequential_ttl'
  );
}

/** Buffer for a Data value (strings are UTF-8). */
export function toBuffer(data: Data | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/**
 * A multi failed: nothing was applied. `code` is the failing op's code; `results` has one entry per
 * op (0 = would have succeeded, the failing op's code, -2 RUNTIMEINCONSISTENCY = not tried), and
 * `failedIndex` points at the op that failed.
 */
export class TransactionError extends CoordinationError {
  readonly results: OpError[];
  readonly failedIndex: number;
  constructor(results: OpError[], ops: readonly Op[]) {
    let failedIndex = results.findIndex((r) => r.code !== 0 && r.code !== -2);
    if (failedIndex < 0) failedIndex = results.findIndex((r) => r.code !== 0);
    const code = failedIndex >= 0 ? results[failedIndex]!.code : -2;
    const op = ops[failedIndex];
    super(code, op?.path, {
      detail: `multi op #${failedIndex} (${op?.type ?? '?'}) failed: ${errorCodeMessage(code)}`,
    });
    this.results = results;
    this.failedIndex = failedIndex;
  }
}

/** What the builder needs from a client. */
export interface MultiRunner {
  multi(ops: Op[]): Promise<OpResult[]>;
}

/**
 * Fluent multi builder.
 * @example
 *   const [created] = await client.transaction()
 *     .check('/config', 3)
 *     .create('/config/a', 'x', { mode: 'ephemeral' })
 *     .setData('/config', 'v4', 3)
 *     .commit();
 */
export class Transaction {
  private readonly ops: Op[] = [];
  constructor(private readonly runner: MultiRunner) {}

  create(path: string, data?: Data, opts: CreateOptions = {}): this {
    this.ops.push({ type: 'create', path, data, mode: opts.mode, acl: opts.acl, ttl: opts.ttl });
    return this;
  }
  delete(path: string, version = -1): this {
    this.ops.push({ type: 'delete', path, version });
    return this;
  }
  setData(path: string, data: Data, version = -1): this {
    this.ops.push({ type: 'setData', path, data, version });
    return this;
  }
  check(path: string, version: number): this {
    this.ops.push({ type: 'check', path, version });
    return this;
  }
  /** The ops collected so far. */
  get operations(): readonly Op[] {
    return this.ops;
  }
  /** Sends the multi. @throws TransactionError when an op fails (nothing applied). */
  commit(): Promise<OpResult[]> {
    return this.runner.multi([...this.ops]);
  }
}
