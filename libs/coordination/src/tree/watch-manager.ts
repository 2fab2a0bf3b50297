/**
 * Watch bookkeeping, modelled on ZooKeeper 3.8's WatchManager pair (DataTree keeps one for data
 * watches and one for child watches). Exist watches live with data watches, as in ZooKeeper, so
 * removeWatches(Data) removes them too. Each (watcher, path) pair in a table has ONE mode — the
 * last registration wins, as in 3.8.0's WatcherModeManager (fixed only later by ZOOKEEPER-4466).
 * PERSISTENT and PERSISTENT_RECURSIVE watches both sit in both tables (DataTree.addWatch); a
 * recursive watcher never receives NodeChildrenChanged (WatchManager.triggerWatch skips it), yet
 * its child-table entry counts for checkWatches(Children) and displaces a standard child watch
 * on the same path. Observed against Apache 3.8.0 (test/interop/differential finds any drift).
 */
import { EventType, WatcherType } from '../protocol/constants.js';
import { parentPath } from './path.js';

/** How a watch behaves when it fires. */
export type WatchMode = 'standard' | 'persistent' | 'recursive';

/** Which table a watch lives in. */
export type WatchTable = 'data' | 'child';

class Table<W> {
  readonly byPath = new Map<string, Map<W, WatchMode>>();
  readonly byWatcher = new Map<W, Set<string>>();
  recursiveCount = 0;
  size = 0;

  add(path: string, w: W, mode: WatchMode): void {
    let m = this.byPath.get(path);
    if (!m) this.byPath.set(path, (m = new Map()));
    const prev = m.get(w);
    if (prev === undefined) this.size++;
    if (prev === 'recursive') this.recursiveCount--;
    if (mode === 'recursive') this.recursiveCount++;
    m.set(w, mode);
    let ps = this.byWatcher.get(w);
    if (!ps) this.byWatcher.set(w, (ps = new Set()));
    ps.add(path);
  }

  remove(path: string, w: W): boolean {
    const m = this.byPath.get(path);
    const mode = m?.get(w);
    if (!m || mode === undefined) return false;
    m.delete(w);
    this.size--;
    if (mode === 'recursive') this.recursiveCount--;
    if (m.size === 0) this.byPath.delete(path);
    const ps = this.byWatcher.get(w);
    if (ps) {
      ps.delete(path);
      if (ps.size === 0) this.byWatcher.delete(w);
    }
    return true;
  }

  has(path: string, w: W): boolean {
    return this.byPath.get(path)?.has(w) ?? false;
  }

  dropWatcher(w: W): void {
    const ps = this.byWatcher.get(w);
    if (!ps) return;
    for (const p of [...ps]) this.remove(p, w);
  }

  /**
   * Watchers to notify for an event on `path`, removing one-shot watches. Ancestors are walked
   * only while some recursive watch exists (cheap in the common case).
   */
  trigger(path: string, out: Set<W>, childEvent = false): void {
    const m = this.byPath.get(path);
    if (m) {
      for (const [w, mode] of [...m]) {
        if (mode === 'recursive' && childEvent) continue;
        if (mode === 'standard') this.remove(path, w);
        out.add(w);
      }
    }
    if (this.recursiveCount === 0 || childEvent) return;
    for (let p = parentPath(path); p !== ''; p = parentPath(p)) {
      const am = this.byPath.get(p);
      if (!am) continue;
      for (const [w, mode] of am) if (mode === 'recursive') out.add(w);
    }
  }
}

/** Summary for the `wchs` four-letter word. */
export interface WatchSummary {
  connections: number;
  paths: number;
  total: number;
}

/**
 * Data and child watch tables for one data tree.
 * @example
 *   const wm = new WatchManager<Conn>();
 *   wm.watchData('/a', conn);
 *   wm.trigger('/a', EventType.NodeDataChanged); // -> [conn], and the one-shot watch is gone
 */
export class WatchManager<W> {
  private readonly data = new Table<W>();
  private readonly child = new Table<W>();

  /** getData/exists watch (also the exist watch on a missing node). */
  watchData(path: string, w: W): void {
    this.data.add(path, w, 'standard');
  }

  /** exists watch: same table as data watches, as in ZooKeeper. */
  watchExists(path: string, w: W): void {
    this.data.add(path, w, 'standard');
  }

  /** getChildren watch. */
  watchChildren(path: string, w: W): void {
    this.child.add(path, w, 'standard');
  }

  /** addWatch: PERSISTENT and PERSISTENT_RECURSIVE both go in both tables. */
  addPersistentWatch(path: string, w: W, recursive: boolean): void {
    const mode = recursive ? 'recursive' : 'persistent';
    this.data.add(path, w, mode);
    this.child.add(path, w, mode);
  }

  /**
   * Watchers to notify for (path, type); one-shot watches that fire are removed. Already
   * deduplicated. NodeDeleted consults both tables and notifies a watcher once.
   */
  trigger(path: string, type: EventType): W[] {
    const out = new Set<W>();
    switch (type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        this.data.trigger(path, out);
        break;
      case EventType.NodeDeleted:
        this.data.trigger(path, out);
        this.child.trigger(path, out);
        break;
      case EventType.NodeChildrenChanged:
        this.child.trigger(path, out, true);
        break;
      default:
        break;
    }
    return [...out];
  }

  /**
   * checkWatches (dryRun) / removeWatches for one watcher. Children -> child table, Data -> data
   * table (incl. exist and persistent halves), Any -> both. Returns whether anything matched.
   * checkWatches answers as 3.8.0's WatchManager.containsWatcher does: true when ANY watcher
   * holds a watch on exactly `path` in the table, not only `w` (observed; fixed after 3.8).
   */
  removeWatches(path: string, type: WatcherType | number, w: W, dryRun: boolean): boolean {
    const useChild = type === WatcherType.Children || type === WatcherType.Any;
    const useData = type === WatcherType.Data || type === WatcherType.Any;
    if (dryRun) return (useChild && this.child.byPath.has(path)) || (useData && this.data.byPath.has(path));
    let removed = false;
    if (useChild && this.child.remove(path, w)) removed = true;
    if (useData && this.data.remove(path, w)) removed = true;
    return removed;
  }

  /** Whether `w` has a watch of `table` on `path`, and its mode. */
  modeOf(table: WatchTable, path: string, w: W): WatchMode | undefined {
    return (table === 'data' ? this.data : this.child).byPath.get(path)?.get(w);
  }

  /** Forget every watch of a closed connection. */
  dropWatcher(w: W): void {
    this.data.dropWatcher(w);
    this.child.dropWatcher(w);
  }

  /** Number of (path, watcher) registrations over both tables. */
  get watchCount(): number {
    return this.data.size + this.child.size;
  }

  /** Counts for `wchs`. */
  watchSummary(): WatchSummary {
    const watchers = new Set<W>([...this.data.byWatcher.keys(), ...this.child.byWatcher.keys()]);
    const paths = new Set<string>([...this.data.byPath.keys(), ...this.child.byPath.keys()]);
    return { connections: watchers.size, paths: paths.size, total: this.watchCount };
  }

  /** Watchers per path (both tables, each watcher once per path), for `wchp`. */
  watchesByPath(): Map<string, W[]> {
    const out = new Map<string, W[]>();
    for (const t of [this.data, this.child]) {
      for (const [p, m] of t.byPath) {
        const list = out.get(p) ?? [];
        for (const w of m.keys()) if (!list.includes(w)) list.push(w);
        out.set(p, list);
      }
    }
    return out;
  }

  /** Paths per watcher (both tables), for `wchc`. */
  watchesByWatcher(): Map<W, string[]> {
    const out = new Map<W, Set<string>>();
    for (const t of [this.data, this.child]) {
      for (const [w, ps] of t.byWatcher) {
        let s = out.get(w);
        if (!s) out.set(w, (s = new Set()));
        for (const p of ps) s.add(p);
      }
    }
    return new Map([...out].map(([w, s]) => [w, [...s]]));
  }
}
