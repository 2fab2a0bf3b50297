/**
 * Client-side watch bookkeeping, following ZooKeeper's client rules (ZKWatchManager):
 * the server sends at most one notification per trigger and connection, and the client fans it
 * out to every local listener of the matching kind. One-shot kinds are removed when they fire;
 * persistent and recursive ones stay. The same listener registered twice for one path and kind is
 * kept once, and a listener matching several kinds of one event is called once.
 * Paths here are client paths (chroot already stripped).
 */
import { EventType, KeeperState } from '../protocol/constants.js';
import type { WatcherEvent } from '../protocol/records.js';

/** A watch event as delivered to listeners. `type` is EventType.None for session-state signals. */
export interface WatchEvent {
  type: EventType;
  state: KeeperState;
  path: string;
}

export type WatchListener = (event: WatchEvent) => void;

/** The five watch kinds a client can hold. */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'recursive';

/** Paths per kind, as sent in SetWatches/SetWatches2 on reconnect. */
export interface WatchSnapshot {
  data: string[];
  exist: string[];
  child: string[];
  persistent: string[];
  recursive: string[];
}

const KINDS: readonly WatchKind[] = ['data', 'exist', 'child', 'persistent', 'recursive'];

/** @example
 *   const reg = new WatchRegistry();
 *   reg.add('data', '/a', listener);
 *   for (const l of reg.materialize({ type: EventType.NodeDataChanged, state: 3, path: '/a' })) l(event);
 */
export class WatchRegistry {
  private readonly maps: Record<WatchKind, Map<string, Set<WatchListener>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    recursive: new Map(),
  };

  /** Registers `listener`; idempotent for the same (kind, path, listener). */
  add(kind: WatchKind, path: string, listener: WatchListener): void {
    const map = this.maps[kind];
    let set = map.get(path);
    if (set === undefined) map.set(path, (set = new Set()));
    set.add(listener);
  }

  /** True when any listener of `kind` watches `path` (or a specific `listener` does). */
  has(kind: WatchKind, path: string, listener?: WatchListener): boolean {
    const set = this.maps[kind].get(path);
    if (set === undefined) return false;
    return listener === undefined ? set.size > 0 : set.has(listener);
  }

  /**
   * Removes `listener` (or all listeners when undefined) of the given kinds at `path`.
   * Returns the removed listeners with the kind they were removed from.
   */
  remove(
    kinds: readonly WatchKind[],
    path: string,
    listener?: WatchListener,
  ): Array<[WatchKind, WatchListener]> {
    const removed: Array<[WatchKind, WatchListener]> = [];
    for (const kind of kinds) {
      const map = this.maps[kind];
      const set = map.get(path);
      if (set === undefined) continue;
      if (listener === undefined) {
        for (const l of set) removed.push([kind, l]);
        map.delete(path);
      } else if (set.delete(listener)) {
        removed.push([kind, listener]);
        if (set.size === 0) map.delete(path);
      }
    }
    return removed;
  }

  /**
   * The listeners a server notification reaches, removing the one-shot ones it consumes.
   * Rules: created/data-changed -> data + exist watches; children-changed -> child watches;
   * deleted -> data + exist + child watches; plus persistent watches on the path (all types) and
   * recursive watches on the path or an ancestor (all types but NodeChildrenChanged).
   */
  materialize(event: WatcherEvent | WatchEvent): Set<WatchListener> {
    const out = new Set<WatchListener>();
    const path = event.path;
    const take = (kind: WatchKind) => {
      const set = this.maps[kind].get(path);
      if (set === undefined) return;
      for (const l of set) out.add(l);
      this.maps[kind].delete(path);
    };
    switch (event.type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        take('data');
        take('exist');
        break;
      case EventType.NodeChildrenChanged:
        take('child');
        break;
      case EventType.NodeDeleted:
        take('data');
        take('exist');
        take('child');
        break;
      default:
        return out;
    }
    const persistent = this.maps.persistent.get(path);
    if (persistent !== undefined) for (const l of persistent) out.add(l);
    if (event.type !== EventType.NodeChildrenChanged && this.maps.recursive.size > 0) {
      for (let p: string | undefined = path; p !== undefined; p = parentOf(p)) {
        const set = this.maps.recursive.get(p);
        if (set !== undefined) for (const l of set) out.add(l);
      }
    }
    return out;
  }

  /** Removes everything and returns each listener once (for Expired/Closed signals). */
  clear(): Set<WatchListener> {
    const out = new Set<WatchListener>();
    for (const kind of KINDS) {
      for (const set of this.maps[kind].values()) for (const l of set) out.add(l);
      this.maps[kind].clear();
    }
    return out;
  }

  /** Watched paths per kind (for SetWatches on reconnect). */
  snapshot(): WatchSnapshot {
    return {
      data: [...this.maps.data.keys()],
      exist: [...this.maps.exist.keys()],
      child: [...this.maps.child.keys()],
      persistent: [...this.maps.persistent.keys()],
      recursive: [...this.maps.recursive.keys()],
    };
  }

  /** True when nothing is registered. */
  get empty(): boolean {
    return KINDS.every((k) => this.maps[k].size === 0);
  }
}

function parentOf(path: string): string | undefined {
  if (path === '/' || path === '') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
