import { describe, expect, it } from 'vitest';
import { EventType, KeeperState } from '../protocol/constants.js';
import { WatchRegistry, type WatchEvent, type WatchListener } from './watch-registry.js';

const ev = (type: EventType, path: string): WatchEvent => ({ type, state: KeeperState.SyncConnected, path });
const named = (name: string): WatchListener => Object.assign(() => undefined, { label: name });
const names = (set: Set<WatchListener>) =>
  [...set].map((l) => (l as unknown as { label: string }).label).sort();

describe('WatchRegistry', () => {
  it('NodeDataChanged/NodeCreated take data and exist watches (one-shot), not child watches', () => {
    const r = new WatchRegistry();
    r.add('data', '/a', named('d'));
    r.add('exist', '/a', named('e'));
    r.add('child', '/a', named('c'));
    expect(names(r.materialize(ev(EventType.NodeDataChanged, '/a')))).toEqual(['d', 'e']);
    expect(names(r.materialize(ev(EventType.NodeDataChanged, '/a')))).toEqual([]);
    expect(r.has('child', '/a')).toBe(true);
  });

  it('NodeChildrenChanged takes only child watches', () => {
    const r = new WatchRegistry();
    r.add('data', '/a', named('d'));
    r.add('child', '/a', named('c'));
    expect(names(r.materialize(ev(EventType.NodeChildrenChanged, '/a')))).toEqual(['c']);
    expect(r.has('data', '/a')).toBe(true);
  });

  it('NodeDeleted takes data, exist and child watches; a listener on several kinds is called once', () => {
    const r = new WatchRegistry();
    const same = named('same');
    r.add('data', '/a', same);
    r.add('child', '/a', same);
    r.add('exist', '/a', named('e'));
    const got = r.materialize(ev(EventType.NodeDeleted, '/a'));
    expect(names(got)).toEqual(['e', 'same']);
    expect(r.empty).toBe(true);
  });

  it('the same listener added twice for one path and kind is kept once', () => {
    const r = new WatchRegistry();
    const l = named('l');
    r.add('data', '/a', l);
    r.add('data', '/a', l);
    expect(r.materialize(ev(EventType.NodeDataChanged, '/a')).size).toBe(1);
  });

  it('persistent watches stay and see every type on their path only', () => {
    const r = new WatchRegistry();
    r.add('persistent', '/p', named('p'));
    for (const t of [
      EventType.NodeCreated,
      EventType.NodeDataChanged,
      EventType.NodeChildrenChanged,
      EventType.NodeDeleted,
    ]) {
      expect(names(r.materialize(ev(t, '/p')))).toEqual(['p']);
    }
    expect(names(r.materialize(ev(EventType.NodeDataChanged, '/p/child')))).toEqual([]);
    expect(r.has('persistent', '/p')).toBe(true);
  });

  it('recursive watches see descendants and the node itself, never NodeChildrenChanged', () => {
    const r = new WatchRegistry();
    r.add('recursive', '/r', named('r'));
    r.add('recursive', '/', named('root'));
    expect(names(r.materialize(ev(EventType.NodeCreated, '/r/a/b')))).toEqual(['r', 'root']);
    expect(names(r.materialize(ev(EventType.NodeDataChanged, '/r')))).toEqual(['r', 'root']);
    expect(names(r.materialize(ev(EventType.NodeDataChanged, '/rx')))).toEqual(['root']);
    expect(names(r.materialize(ev(EventType.NodeChildrenChanged, '/r')))).toEqual([]);
  });

  it('remove() of one listener or all, reporting what was removed', () => {
    const r = new WatchRegistry();
    const a = named('a');
    const b = named('b');
    r.add('data', '/x', a);
    r.add('exist', '/x', b);
    expect(r.remove(['data', 'exist'], '/x', a)).toEqual([['data', a]]);
    expect(r.has('data', '/x')).toBe(false);
    expect(r.remove(['data', 'exist'], '/x')).toEqual([['exist', b]]);
    expect(r.empty).toBe(true);
  });

  it('snapshot lists paths per kind for SetWatches; clear() returns each listener once', () => {
    const r = new WatchRegistry();
    const l = named('l');
    r.add('data', '/d', l);
    r.add('exist', '/e', l);
    r.add('child', '/c', named('c'));
    r.add('persistent', '/p', named('p'));
    r.add('recursive', '/r', named('r'));
    expect(r.snapshot()).toEqual({
      data: ['/d'],
      exist: ['/e'],
      child: ['/c'],
      persistent: ['/p'],
      recursive: ['/r'],
    });
    expect(names(r.clear())).toEqual(['c', 'l', 'p', 'r']);
    expect(r.empty).toBe(true);
  });

  it('state (None) events reach nobody through materialize', () => {
    const r = new WatchRegistry();
    r.add('data', '/a', named('d'));
    expect(r.materialize({ type: EventType.None, state: KeeperState.Disconnected, path: '' }).size).toBe(0);
    expect(r.has('data', '/a')).toBe(true);
  });
});
