import { describe, expect, it } from 'vitest';
import { parseSrvr } from './member-status.js';

const srvr = (mode: string, zxid = '0x30000002a') =>
  [
    'Zookeeper version: 3.8.4-abc, built on 2024-02-12 22:16 UTC',
    'Latency min/avg/max: 0/0.3/12',
    'Received: 120',
    'Sent: 119',
    'Connections: 4',
    'Outstanding: 0',
    `Zxid: ${zxid}`,
    `Mode: ${mode}`,
    'Node count: 17',
  ].join('\n') + '\n';

describe('parseSrvr', () => {
  it('reads mode, zxid, epoch and connections', () => {
    expect(parseSrvr('2', '127.0.0.1:2182', srvr('leader'), 3)).toEqual({
      id: '2',
      address: '127.0.0.1:2182',
      mode: 'leader',
      epoch: 3,
      lastZxid: '0x30000002a',
      connections: 4,
      latencyMs: 3,
    });
  });

  it('maps follower, observer and standalone', () => {
    expect(parseSrvr('1', 'a', srvr('follower'), 1).mode).toBe('follower');
    expect(parseSrvr('1', 'a', srvr('observer'), 1).mode).toBe('observer');
    expect(parseSrvr('1', 'a', srvr('standalone'), 1).mode).toBe('leader');
  });

  it('reads a zxid above 2^53 without losing its epoch', () => {
    const s = parseSrvr('1', 'a', srvr('follower', '0x7fffffff00000001'), 1);
    expect(s.epoch).toBe(0x7fffffff);
    expect(s.lastZxid).toBe('0x7fffffff00000001');
  });

  it('reports a member without quorum as down', () => {
    const s = parseSrvr('3', 'a', 'This ZooKeeper instance is not currently serving requests\n', 2);
    expect(s.mode).toBe('down');
    expect(s.epoch).toBeNull();
    expect(s.error).toMatch(/no quorum/);
  });

  it('reports garbage as down', () => {
    expect(parseSrvr('1', 'a', 'srvr is not executed because it is not in the whitelist.\n', 1).mode).toBe(
      'down',
    );
  });
});
