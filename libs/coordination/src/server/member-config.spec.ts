import { describe, expect, it } from 'vitest';
import { ConfigError, parseMemberConfig, parsePeer, parsePlantedBugs } from './member-config.js';

describe('parseMemberConfig', () => {
  it('reads a standalone zoo.cfg with ZooKeeper defaults for what is absent', () => {
    const c = parseMemberConfig('tickTime=2000\ndataDir=/var/zk\nclientPort=2181\n# comment\n');
    expect(c).toMatchObject({
      tickTime: 2000,
      dataDir: '/var/zk',
      dataLogDir: '/var/zk',
      clientPort: 2181,
      minSessionTimeout: 4000,
      maxSessionTimeout: 40000,
      maxClientCnxns: 60,
      maxPacket: 0xfffff,
      peers: [],
    });
    expect([...c.fourLetterWords]).toEqual(['srvr']);
  });

  it('reads an ensemble with myid, observers and per-server client ports', () => {
    const text = [
      'dataDir=/d',
      'clientPort=2181',
      'server.1=127.0.0.1:2881:3881',
      'server.2=127.0.0.1:2882:3882;127.0.0.1:2182',
      'server.3=127.0.0.1:2883:3883:observer;2183',
      '4lw.commands.whitelist=ruok, srvr,mntr',
    ].join('\n');
    const c = parseMemberConfig(text, '2\n');
    expect(c.myId).toBe(2);
    expect(c.peers.map((p) => [p.id, p.observer, p.clientPort])).toEqual([
      [1, false, undefined],
      [2, false, 2182],
      [3, true, 2183],
    ]);
    expect([...c.fourLetterWords].sort()).toEqual(['mntr', 'ruok', 'srvr']);
  });

  it('takes the client port from our server line when clientPort is absent', () => {
    const c = parseMemberConfig('dataDir=/d\nserver.1=127.0.0.1:2881:3881;127.0.0.1:2191', '1');
    expect(c.clientPort).toBe(2191);
    expect(c.clientPortAddress).toBe('127.0.0.1');
  });

  it.each([
    ['clientPort=1', /dataDir is required/],
    ['dataDir=/d', /clientPort is required/],
    ['dataDir=/d\nclientPort=x', /clientPort: expected an integer/],
    ['dataDir=/d\nclientPort=1\nminSessionTimeout=9000\nmaxSessionTimeout=100', /minSessionTimeout/],
    ['dataDir=/d\nclientPort=1\n4lw.commands.whitelist=rm', /unknown command/],
    ['dataDir=/d\nclientPort=1\nnonsense', /malformed line/],
    ['dataDir=/d\nclientPort=1\nserver.1=h:1:2', /myid 0 is not among/],
  ])('rejects %j', (text, message) => {
    expect(() => parseMemberConfig(text)).toThrow(message);
    expect(() => parseMemberConfig(text)).toThrow(ConfigError);
  });

  it('rejects a bad server line', () => {
    expect(() => parsePeer('server.1', 'host:1')).toThrow(ConfigError);
    expect(() => parsePeer('server.1', 'host:1:2:witness')).toThrow(/unknown role/);
  });
});

describe('parsePlantedBugs (REGISTRAR_PLANTED_BUGS, chaos testing only)', () => {
  it('is off unless named, and maps names to ZAB flags', () => {
    expect(parsePlantedBugs(undefined)).toBeUndefined();
    expect(parsePlantedBugs(' ')).toBeUndefined();
    expect(parsePlantedBugs('skip-trunc')).toEqual({ skipTrunc: true });
    expect(parsePlantedBugs('commit-without-quorum, skip-trunc')).toEqual({
      commitWithoutQuorum: true,
      skipTrunc: true,
    });
    expect(parsePlantedBugs('sync-without-quorum,follower-read-ahead')).toEqual({
      syncWithoutQuorum: true,
      followerReadAhead: true,
    });
  });

  it('refuses an unknown name, so a typo cannot quietly test the real code', () => {
    expect(() => parsePlantedBugs('skip-truncate')).toThrow(ConfigError);
  });
});
