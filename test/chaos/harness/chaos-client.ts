/**
 * A workload client that records every operation in the history the way Jepsen does: 'ok' with the
 * observed result, 'fail' only for errors that prove the op had no effect (the server decided it
 * through the quorum: BADVERSION, NODEEXISTS, NONODE, NOTEMPTY), and 'unknown' for anything else
 * (connection loss, expiry, a timeout) — the op may still apply later.
 *
 * After an 'unknown' the logical process is retired and the next op runs as a new process on a new
 * session, because a process with an op in flight forever cannot issue another one.
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { CoordinationError } from '../../../libs/coordination/src/protocol/errors.js';
import { ErrorCode } from '../../../libs/coordination/src/protocol/constants.js';
import type { HistoryRecorder } from '../history/recorder.js';
import { settledWithin, within } from './bounded.js';

/** Error codes that mean "definitely not applied". */
const DEFINITE_FAILURES: ReadonlySet<number> = new Set([
  ErrorCode.NONODE,
  ErrorCode.NODEEXISTS,
  ErrorCode.BADVERSION,
  ErrorCode.NOTEMPTY,
]);

export interface ChaosClientOptions {
  sessionTimeoutMs?: number;
  /** An op not answered within this bound is recorded 'unknown'. */
  opTimeoutMs?: number;
}

export type OpOutcome<T> =
  { status: 'ok'; value: T } | { status: 'fail'; code: number } | { status: 'unknown'; reason: string };

export class ChaosClient {
  private zk: ZooKeeperClient | undefined;
  private generation = 0;
  private readonly sessionTimeoutMs: number;
  private readonly opTimeoutMs: number;
  /** Sessions opened so far (the first one included). */
  sessions = 0;

  constructor(
    readonly name: string,
    private readonly connectString: string,
    private readonly recorder: HistoryRecorder,
    opts: ChaosClientOptions = {},
  ) {
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 4000;
    this.opTimeoutMs = opts.opTimeoutMs ?? 5000;
  }

  /** The history's process id for the next op. */
  get process(): string {
    return `${this.name}.${this.generation}`;
  }

  /**
   * A connected session, opening one if needed. Throws when no member answers: the caller backs off
   * and tries again (nothing is recorded, no op was invoked).
   */
  async session(): Promise<ZooKeeperClient> {
    if (this.zk !== undefined && this.zk.state === 'CONNECTED') return this.zk;
    if (this.zk !== undefined && (this.zk.state === 'EXPIRED' || this.zk.state === 'CLOSED')) this.retire();
    if (this.zk === undefined) {
      this.zk = await ZooKeeperClient.connect(this.connectString, {
        sessionTimeout: this.sessionTimeoutMs,
        initialConnectTimeout: 2000,
        connectTimeout: 1000,
      });
      this.sessions++;
    }
    return this.zk;
  }

  /**
   * Runs `call` as one recorded operation. `output` maps the result to what the model checks.
   */
  async op<T>(
    op: string,
    key: string,
    input: unknown,
    call: (zk: ZooKeeperClient) => Promise<T>,
    output: (value: T) => unknown,
  ): Promise<OpOutcome<T>> {
    const zk = await this.session();
    const handle = this.recorder.invoke(this.process, op, key, input);
    try {
      const value = await within(call(zk), this.opTimeoutMs, op);
      this.recorder.ok(handle, output(value));
      return { status: 'ok', value };
    } catch (err) {
      if (err instanceof CoordinationError && DEFINITE_FAILURES.has(err.code)) {
        this.recorder.fail(handle, { code: err.code });
        return { status: 'fail', code: err.code };
      }
      this.recorder.unknown(handle);
      this.retire();
      return {
        status: 'unknown',
        reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      };
    }
  }

  /**
   * Like {@link op}, for a check's final reading once every fault is healed: an answer that does not
   * come (unknown) leaves the check without its verdict, so it throws {@link FinalReadError} and the
   * run fails as a harness error instead of passing on what it never read. A definite failure
   * (NONODE...) is an answer, returned for the model to judge.
   */
  async finalOp<T>(
    op: string,
    key: string,
    input: unknown,
    call: (zk: ZooKeeperClient) => Promise<T>,
    output: (value: T) => unknown,
  ): Promise<Exclude<OpOutcome<T>, { status: 'unknown' }>> {
    const out = await this.op(op, key, input, call, output);
    if (out.status === 'unknown')
      throw new FinalReadError(`final ${op} of ${key} got no answer: ${out.reason}`);
    return out;
  }

  /** Drops the current session (closing it in the background) and starts a new logical process. */
  retire(): void {
    const old = this.zk;
    this.zk = undefined;
    this.generation++;
    if (old !== undefined) void closeQuietly(old);
  }

  async close(): Promise<void> {
    const old = this.zk;
    this.zk = undefined;
    if (old !== undefined) await closeQuietly(old);
  }
}

/** A final reading after healing got no answer: the run has no verdict (a harness error). */
export class FinalReadError extends Error {
  override readonly name = 'FinalReadError';
}

/** Closes a client without waiting long on a member that may be paused or gone. */
export async function closeQuietly(zk: ZooKeeperClient, boundMs = 2000): Promise<void> {
  // A close that does not finish in time leaves the socket to the client's own teardown.
  await settledWithin(zk.close(), boundMs);
}
