import { describe, expect, it } from 'vitest';
import { EventType, WatcherType } from '../protocol/constants.js';
import { WatchManager } from './watch-manager.js';

describe('WatchManager', () => {
  it('one-shot data watch fires once; exist and data watches share the data table', () => {
    const wm = new WatchManager<string>();
    wm.watchData('/a', 'x');
    wm.watchExists('/a', 'x');
    expect(wm.watchCount).toBe(1);
    expect(wm.trigger('/a', EventType.NodeDataChanged)).toEqual(['x']);
    expect(wm.trigger('/a', EventType.NodeDataChanged)).toEqual([]);
  });
  it('child watches only see NodeChildrenChanged and NodeDeleted', () => {
    const wm = new WatchManager<string>();
    wm.watchChildren('/a', 'x');
    expect(wm.trigger('/a', EventType.NodeDataChanged)).toEqual([]);
    expect(wm.trigger('/a', EventType.NodeCreated)).toEqual([]);
    expect(wm.trigger('/a', EventType.NodeChildrenChanged)).toEqual(['x']);
  });
  it('recursive watch fires for descendants except NodeChildrenChanged, and is not consumed', () => {
    const wm = new WatchManager<string>();
    wm.addPersistentWatch('/a', 'r', true);
    expect(wm.trigger('/a/b/c', EventType.NodeCreated)).toEqual(['r']);
    expect(wm.trigger('/a/b', EventType.NodeChildrenChanged)).toEqual([]);
    expect(wm.trigger('/a', EventType.NodeChildrenChanged)).toEqual([]);
    expect(wm.trigger('/ab', EventType.NodeCreated)).toEqual([]);
    expect(wm.trigger('/a', EventType.NodeDeleted)).toEqual(['r']);
    expect(wm.watchCount).toBe(2); // in both tables, as Apache 3.8.0 counts it
  });
  it('a recursive watch displaces a standard child watch on the same path (observed, 3.8.0)', () => {
    const wm = new WatchManager<string>();
    wm.watchChildren('/a', 'w');
    wm.addPersistentWatch('/a', 'w', true);
    expect(wm.trigger('/a', EventType.NodeChildrenChanged)).toEqual([]);
    expect(wm.removeWatches('/a', WatcherType.Children, 'w', true)).toBe(true);
    wm.watchChildren('/a', 'w'); // and a later standard one displaces the recursive child entry
    expect(wm.trigger('/a', EventType.NodeChildrenChanged)).toEqual(['w']);
    expect(wm.trigger('/a/b', EventType.NodeCreated)).toEqual(['w']);
  });
  it('persistent (non-recursive) watch ignores descendants', () => {
    const wm = new WatchManager<string>();
    wm.addPersistentWatch('/a', 'p', false);
    expect(wm.trigger('/a/b', EventType.NodeCreated)).toEqual([]);
    expect(wm.trigger('/a', EventType.NodeChildrenChanged)).toEqual(['p']);
    expect(wm.trigger('/a', EventType.NodeDeleted)).toEqual(['p']); // deduplicated over both tables
    expect(wm.watchCount).toBe(2);
  });
  it('dedups a watcher holding a recursive watch on an ancestor and a standard one on the path', () => {
    const wm = new WatchManager<string>();
    wm.addPersistentWatch('/', 'w', true);
    wm.watchData('/a', 'w');
    expect(wm.trigger('/a', EventType.NodeDataChanged)).toEqual(['w']);
  });
  it('removeWatches / checkWatches by type', () => {
    const wm = new WatchManager<string>();
    wm.watchData('/a', 'x');
    wm.watchChildren('/a', 'x');
    // checkWatches sees any watcher's watch on the path, as 3.8.0 answers; removal is per watcher
    expect(wm.removeWatches('/a', WatcherType.Children, 'y', true)).toBe(true);
    expect(wm.removeWatches('/a', WatcherType.Children, 'y', false)).toBe(false);
    expect(wm.removeWatches('/b', WatcherType.Children, 'x', true)).toBe(false);
    expect(wm.removeWatches('/a', WatcherType.Children, 'x', true)).toBe(true);
    expect(wm.watchCount).toBe(2); // dry run removed nothing
    expect(wm.removeWatches('/a', WatcherType.Children, 'x', false)).toBe(true);
    expect(wm.removeWatches('/a', WatcherType.Children, 'x', false)).toBe(false);
    expect(wm.removeWatches('/a', WatcherType.Any, 'x', false)).toBe(true);
    expect(wm.watchCount).toBe(0);
  });
  it('dropWatcher and summaries', () => {
    const wm = new WatchManager<string>();
    wm.watchData('/a', 'x');
    wm.watchChildren('/a', 'x');
    wm.watchData('/b', 'y');
    expect(wm.watchSummary()).toEqual({ connections: 2, paths: 2, total: 3 });
    expect(wm.watchesByPath().get('/a')).toEqual(['x']);
    wm.dropWatcher('x');
    expect(wm.watchSummary()).toEqual({ connections: 1, paths: 1, total: 1 });
    expect(wm.trigger('/a', EventType.NodeDeleted)).toEqual([]);
  });
});
