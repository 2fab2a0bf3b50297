/**
 * Connection-loss-safe building blocks shared by the recipes.
 *
 * Our client queues requests made while DISCONNECTED and sends them after the reconnect, so only a
 * request that was in flight when the connection dropped fails with ConnectionLoss. Reads and
 * deletes are idempotent and simply retried; creates are not (the server may have applied one whose
 * reply we lost), so sequential creates go through {@link createProtected}, which looks for its own
 * node by uuid before trying again. SessionExpired is never retried: the session's nodes are gone.
 */
import { randomUUID } from 'node:crypto';
import type { CreateMode, CreateResult, Data } from '../client/client-types.js';
import type { ZooKeeperClient } from '../client/zookeeper-client.js';
import type { WatchListener } from '../client/watch-registry.js';
import { ErrorCode } from '../protocol/constants.js';
import {
  ConnectionLossError,
  NoNodeError,
  NodeExistsError,
  SessionExpiredError,
  isCoordinationError,
} from '../protocol/errors.js';
import type { Stat } from '../protocol/records.js';
import { RecipeTimeoutError } from './errors.js';
import { findProtected, protectedPrefix } from './lock-order.js';

/** Joins a parent path and a child name. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** The last component of a path. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Runs `op`, retrying it while it fails with ConnectionLoss (use only for idempotent ops). */
export async function retryOnLoss<T>(op: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await op();
    } catch (e) {
      if (!(e instanceof ConnectionLossError)) throw e;
    }
  }
}

/**
 * Creates `path` and its missing ancestors (like `mkdir -p`). `mode` applies to every created
 * component: 'container' (Curator's default for lock parents) lets the server reap them when empty.
 */
export async function ensurePath(
  client: ZooKeeperClient,
  path: string,
  mode: 'persistent' | 'container' = 'persistent',
): Promise<void> {
  if (path === '/') return;
  // Fast path: usually it exists already.
  if ((await retryOnLoss(() => client.exists(path))) !== null) return;
  let at = '';
  for (const part of path.split('/').slice(1)) {
    at += `/${part}`;
    try {
      await retryOnLoss(() => client.create(at, undefined, { mode }));
    } catch (e) {
      if (!(e instanceof NodeExistsError)) throw e;
    }
  }
}

/**
 * Creates a sequential child `<parent>/_c_<uuid>-<marker><seq>` safely under connection loss: after
 * a lost reply it lists the parent and adopts the child carrying its uuid, and only creates again
 * when none exists, so a lost reply never leaves an orphan (Curator's protected mode). Missing
 * parents (or a container reaped between our calls) are created on NoNode.
 */
export async function createProtected(
  client: ZooKeeperClient,
  parent: string,
  marker: string,
  data: Data | undefined,
  opts: {
    mode?: CreateMode;
    parentMode?: 'persistent' | 'container';
    onRecovered?: (path: string) => void;
  } = {},
): Promise<CreateResult> {
  const prefix = protectedPrefix(randomUUID(), marker);
  let attempted = false;
  for (;;) {
    try {
      if (attempted) {
        // Write barrier before looking: the lost create may still be in the server's write
        // pipeline, queued on the old connection. ZooKeeper orders a session's requests across
        // reconnects (so a plain getChildren would do), but a server that orders only per
        // connection would answer the lookup before applying the create, and we would create a
        // second node, orphaning the first. A version -1 check in a multi is a no-op write that
        // cannot be answered before the writes ahead of it.
        await client.multi([{ type: 'check', path: parent, version: -1 }]);
        const found = findProtected(await client.getChildren(parent), prefix);
        if (found !== undefined) {
          const path = childPath(parent, found);
          const stat = await client.exists(path);
          if (stat !== null) {
            opts.onRecovered?.(path);
            return { path, stat };
          }
        }
      }
      attempted = true;
      return await client.create(childPath(parent, prefix), data, {
        mode: opts.mode ?? 'ephemeral_sequential',
      });
    } catch (e) {
      if (e instanceof ConnectionLossError) continue;
      // NoNode from the create, the lookup, or the barrier's multi (a TransactionError with that code).
      if (isCoordinationError(e, ErrorCode.NONODE)) {
        await ensurePath(client, parent, opts.parentMode ?? 'container');
        continue;
      }
      throw e;
    }
  }
}

/** Deletes `path`, ignoring NoNode and retrying ConnectionLoss; false when the session is gone. */
export async function deleteQuietly(client: ZooKeeperClient, path: string, version = -1): Promise<boolean> {
  try {
    await retryOnLoss(() => client.delete(path, version));
    return true;
  } catch (e) {
    if (e instanceof NoNodeError) return true;
    if (e instanceof SessionExpiredError) return false;
    throw e;
  }
}

/** Options of every blocking recipe call. */
export interface WaitOptions {
  /** Give up after this many ms (RecipeTimeoutError). Default: wait forever. */
  timeoutMs?: number;
  /** Abort the wait; the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Absolute deadline (ms since epoch) of a {@link WaitOptions}, or undefined. */
export function deadlineOf(opts: WaitOptions): number | undefined {
  return opts.timeoutMs === undefined ? undefined : Date.now() + opts.timeoutMs;
}

/**
 * A one-shot wake-up: `listener` is the watch to register, `promise` settles on its first event.
 * `cancel()` turns later events into no-ops (a watch cannot always be removed from the server, but
 * a stale one must not wake anybody), and `fired` tells whether it woke.
 */
export interface Wake {
  listener: WatchListener;
  promise: Promise<void>;
  readonly fired: boolean;
  cancel(): void;
}

/** Creates a {@link Wake}; `onEvent` sees each event that actually woke the waiter. */
export function createWake(onEvent?: (e: Parameters<WatchListener>[0]) => void): Wake {
  let active = true;
  let fired = false;
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return {
    listener: (e) => {
      if (!active) return;
      active = false;
      fired = true;
      onEvent?.(e);
      resolve();
    },
    promise,
    get fired() {
      return fired;
    },
    cancel() {
      active = false;
    },
  };
}

const TERMINAL = new Set(['EXPIRED', 'CLOSED', 'AUTH_FAILED']);

/**
 * Waits for `wake`, or rejects: RecipeTimeoutError at `deadline`, `signal.reason` on abort,
 * SessionExpiredError when the client reaches a terminal state. Cleans up its timers and listeners.
 */
export function waitForWake(
  client: ZooKeeperClient,
  wake: Promise<void>,
  path: string,
  deadline: number | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (err?: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      client.off('state', onState);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onAbort = () => done(signal!.reason);
    const onState = (s: string) => {
      if (TERMINAL.has(s)) done(new SessionExpiredError(path, { detail: `client ${s.toLowerCase()}` }));
    };
    if (signal?.aborted) return done(signal.reason);
    if (TERMINAL.has(client.state)) return onState(client.state);
    if (deadline !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) return done(new RecipeTimeoutError(path, { detail: 'timed out waiting' }));
      timer = setTimeout(() => done(new RecipeTimeoutError(path, { detail: 'timed out waiting' })), left);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('state', onState);
    wake.then(() => done());
  });
}

/** Throws if the deadline passed or the signal aborted (checked between round trips). */
export function checkDeadline(
  path: string,
  deadline: number | undefined,
  signal: AbortSignal | undefined,
): void {
  signal?.throwIfAborted();
  if (deadline !== undefined && Date.now() >= deadline) {
    throw new RecipeTimeoutError(path, { detail: 'timed out waiting' });
  }
}

/** Stat of a created or adopted node; re-exported for recipes that keep it. */
export type { Stat };
