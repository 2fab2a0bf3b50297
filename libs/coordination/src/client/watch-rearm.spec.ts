import { describe, expect, it } from 'vitest';
import { EventType } from '../protocol/constants.js';
import type { Stat } from '../protocol/records.js';
import { missedChildrenChange, missedDataEvent } from './watch-rearm.js';

function stat(czxid: number, mzxid: number): Stat {
  return {
    czxid,
    mzxid,
    ctime: 0,
    mtime: 0,
    version: mzxid === czxid ? 0 : 1,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength: 0,
    numChildren: 0,
    pzxid: czxid,
  };
}

describe('missedDataEvent', () => {
  it('synthesizes nothing on the first arm (no event yet)', () => {
    expect(missedDataEvent(undefined, null)).toBeUndefined();
    expect(missedDataEvent(undefined, stat(1, 5))).toBeUndefined();
  });

  it('reports a delete the stream did not see', () => {
    expect(missedDataEvent(EventType.NodeDataChanged, null)).toBe(EventType.NodeDeleted);
    expect(missedDataEvent(EventType.NodeCreated, null)).toBe(EventType.NodeDeleted);
  });

  it('stays quiet when the node is still gone after NodeDeleted', () => {
    expect(missedDataEvent(EventType.NodeDeleted, null)).toBeUndefined();
  });

  it('reports a re-create after NodeDeleted', () => {
    expect(missedDataEvent(EventType.NodeDeleted, stat(7, 7))).toBe(EventType.NodeCreated);
  });

  it('reports a change right after NodeCreated (the node was modified since it was made)', () => {
    expect(missedDataEvent(EventType.NodeCreated, stat(7, 9))).toBe(EventType.NodeDataChanged);
    expect(missedDataEvent(EventType.NodeCreated, stat(7, 7))).toBeUndefined();
  });

  it('cannot tell a second data change from the first, so says nothing', () => {
    expect(missedDataEvent(EventType.NodeDataChanged, stat(1, 9))).toBeUndefined();
  });
});

describe('missedChildrenChange', () => {
  it('is true when cversion moved by more than the one reported change', () => {
    expect(missedChildrenChange(EventType.NodeChildrenChanged, 3, 5)).toBe(true);
  });

  it('is false for exactly one change', () => {
    expect(missedChildrenChange(EventType.NodeChildrenChanged, 3, 4)).toBe(false);
  });

  it('is false without an event or without a previous arm', () => {
    expect(missedChildrenChange(undefined, 3, 9)).toBe(false);
    expect(missedChildrenChange(EventType.NodeChildrenChanged, undefined, 9)).toBe(false);
    expect(missedChildrenChange(EventType.NodeChildrenChanged, 3, undefined)).toBe(false);
  });
});
