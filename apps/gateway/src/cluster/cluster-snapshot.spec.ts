import { describe, expect, it } from 'vitest';
import { leaderOf } from './cluster-snapshot.js';
import { down, type MemberStatus } from './member-status.js';

const m = (id: string, mode: MemberStatus['mode'], epoch: number | null): MemberStatus => ({
  id,
  address: id,
  mode,
  epoch,
  lastZxid: null,
  connections: 0,
  latencyMs: 1,
});

describe('leaderOf', () => {
  it('names the one leader', () => {
    expect(leaderOf([m('1', 'follower', 2), m('2', 'leader', 2), down('3', '3', 'refused')])).toBe('2');
  });
  it('is null without a leader', () => {
    expect(leaderOf([m('1', 'follower', 2), down('2', '2', 'x')])).toBeNull();
  });
  it('prefers the newer epoch when a deposed leader still answers leader', () => {
    expect(leaderOf([m('1', 'leader', 3), m('2', 'leader', 4)])).toBe('2');
    expect(leaderOf([m('1', 'leader', 4), m('2', 'leader', 4)])).toBeNull();
  });
});
