/**
 * The state machine behind `ZooKeeperClient.watchEvents`: watch events of one path as an async
 * iterator. A data or children stream re-arms its one-shot watch after every event (and yields a
 * coalesced event for a change that fell between the event and the re-arm, see watch-rearm.ts); a
 * persistent or recursive stream sets one persistent watch. A lost connection loses nothing: a
 * re-arm in flight is retried once the session is back. The stream ends when its loop exits, its
 * signal aborts, the node of a children stream is deleted, or the session ends (after yielding the
 * Expired state event on expiry).
 */
import { EventType, KeeperState } from '../protocol/constants.js';
import { ConnectionLossError, NoNodeError, SessionExpiredError } from '../protocol/errors.js';
import type { Stat } from '../protocol/records.js';
import { AsyncEventQueue } from './async-event-queue.js';
import type { AddWatchModeName, WatchType } from './client-types.js';
import type { WatchEvent, WatchListener } from './watch-registry.js';
import { missedChildrenChange, missedDataEvent } from './watch-rearm.js';

/** Which events a stream follows. */
export type WatchEventsKind = 'data' | 'children' | 'persistent' | 'recursive';

export interface WatchEventsOptions {
  kind: WatchEventsKind;
  /** Ends the stream when aborted. */
  signal?: AbortSignal;
}

/** What a stream needs from the client that owns it. */
export interface WatchEventSource {
  exists(path: string, watch: WatchListener): Promise<Stat | null>;
  getChildren2(path: string, watch: WatchListener): Promise<{ stat: Stat }>;
  addWatch(path: string, mode: AddWatchModeName, listener: WatchListener): Promise<void>;
  removeWatches(path: string, type: WatchType, listener: WatchListener): Promise<void>;
  /** True while `listener` holds a watch of `type` at `path`. */
  holdsWatch(path: string, type: WatchType, listener: WatchListener): boolean;
  /** The session is over or closing: there is nothing left to remove on the server. */
  finishing(): boolean;
  /** The session is over for good (expired, auth failed or closed). */
  finished(): boolean;
  /** Resolves once a session is usable; rejects with SessionExpiredError when it never will be. */
  waitConnected(): Promise<void>;
  /** Registers the stream so the client ends it when the session ends; returns the unregistration. */
  track(stream: AsyncEventQueue<WatchEvent>): () => void;
}

/**
 * Starts a stream on `source` and returns its iterator.
 * @example
 *   for await (const e of watchEventStream(source, '/config', { kind: 'data' })) reload(e.path);
 */
export function watchEventStream(
  source: WatchEventSource,
  path: string,
  opts: WatchEventsOptions,
): AsyncIterableIterator<WatchEvent> {
  return new WatchEventStream(source, path, opts).start();
}

/** The watch type that addresses a stream's own watch in removeWatches. */
const WATCH_TYPE_OF: Record<WatchEventsKind, WatchType> = {
  data: 'data',
  children: 'children',
  persistent: 'any',
  recursive: 'any',
};

class WatchEventStream {
  private readonly queue: AsyncEventQueue<WatchEvent>;
  private readonly untrack: () => void;
  private stopped = false;
  /** The last event yielded and not yet checked against a re-arm. */
  private lastEvent: EventType | undefined;
  private cversionAtLastArm: number | undefined;
  private readonly onAbort = () => {
    this.stop();
    this.queue.end();
  };
  /** The stream's watch listener (one identity, so removeWatches finds it). */
  private readonly listener: WatchListener = (event) => this.onEvent(event);

  constructor(
    private readonly source: WatchEventSource,
    private readonly path: string,
    private readonly opts: WatchEventsOptions,
  ) {
    // Leaving the for-await loop calls return(), which stops the stream.
    this.queue = new AsyncEventQueue<WatchEvent>(() => this.stop());
    this.untrack = source.track(this.queue);
  }

  start(): AsyncIterableIterator<WatchEvent> {
    const signal = this.opts.signal;
    if (signal?.aborted) {
      this.stopped = true;
      this.untrack();
      this.queue.end();
      return this.queue;
    }
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (this.opts.kind === 'persistent' || this.opts.kind === 'recursive') this.addPersistent(this.opts.kind);
    else this.arm();
    return this.queue;
  }

  private onEvent(event: WatchEvent): void {
    if (this.stopped) return;
    if (event.type === EventType.None) {
      // The session ended: say so on expiry (the consumer must rebuild), then end.
      if (event.state === KeeperState.Expired) this.queue.push(event);
      this.finish();
      return;
    }
    // Our own removal notices (DataWatchRemoved and later) are not changes of the node.
    if (event.type >= EventType.DataWatchRemoved) return;
    this.queue.push(event);
    this.lastEvent = event.type;
    if (this.opts.kind === 'children' && event.type === EventType.NodeDeleted) {
      this.finish();
      return;
    }
    if (this.opts.kind === 'data' || this.opts.kind === 'children') this.arm();
  }

  /** Sets (or re-sets) the one-shot watch and checks its reply for a missed change. */
  private arm(): void {
    if (this.stopped) return;
    const armed =
      this.opts.kind === 'children'
        ? this.source.getChildren2(this.path, this.listener).then((r) => r.stat)
        : this.source.exists(this.path, this.listener);
    armed.then(
      (stat) => this.onArmed(stat),
      (err: unknown) => {
        if (err instanceof ConnectionLossError) {
          this.source.waitConnected().then(
            () => this.arm(),
            (e: unknown) => this.fail(e),
          );
        } else if (err instanceof NoNodeError && this.lastEvent !== undefined && !this.stopped) {
          // The node went away between an event and the re-arm: report it as deleted and end.
          this.synthesize(EventType.NodeDeleted);
          this.finish();
        } else {
          this.fail(err);
        }
      },
    );
  }

  private onArmed(stat: Stat | null): void {
    if (this.stopped) return;
    const event = this.lastEvent;
    this.lastEvent = undefined;
    if (this.opts.kind === 'children') {
      const cversion = stat?.cversion;
      if (missedChildrenChange(event, this.cversionAtLastArm, cversion)) {
        this.synthesize(EventType.NodeChildrenChanged);
      }
      this.cversionAtLastArm = cversion;
      return;
    }
    const missed = missedDataEvent(event, stat);
    if (missed !== undefined) this.synthesize(missed);
  }

  private synthesize(type: EventType): void {
    this.queue.push({ type, state: KeeperState.SyncConnected, path: this.path });
    this.lastEvent = type;
  }

  private addPersistent(mode: AddWatchModeName): void {
    if (this.stopped) return;
    this.source.addWatch(this.path, mode, this.listener).catch((err: unknown) => {
      if (err instanceof ConnectionLossError) {
        this.source.waitConnected().then(
          () => this.addPersistent(mode),
          (e: unknown) => this.fail(e),
        );
      } else {
        this.fail(err);
      }
    });
  }

  /** Stops watching and ends the iterator after what it buffered. */
  private finish(): void {
    this.stop();
    this.queue.end();
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.stop();
    // The session ending is the end of the stream, not an error of it.
    if (err instanceof SessionExpiredError && this.source.finished()) this.queue.end();
    else this.queue.fail(err);
  }

  /** Idempotent: unregisters and removes the stream's watch from the server if it still holds one. */
  private stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.untrack();
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    if (this.source.finishing()) return;
    const type = WATCH_TYPE_OF[this.opts.kind];
    if (this.source.holdsWatch(this.path, type, this.listener)) {
      this.source.removeWatches(this.path, type, this.listener).catch(() => undefined);
    }
  }
}
