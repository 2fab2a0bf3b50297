import { describe, expect, it } from 'vitest';
import { LinePrefixer } from '../../scripts/platform/line-prefixer.js';
import { memberConfig, planTopology } from '../../scripts/platform/topology.js';

describe('planTopology', () => {
  it('uses the DESIGN.md ports by default', () => {
    const t = planTopology({ members: 3, instances: 2, portOffset: 0, dataDir: '/d' });
    expect(t.connectString).toBe('127.0.0.1:2181,127.0.0.1:2182,127.0.0.1:2183');
    expect(t.members.map((m) => [m.clientPort, m.quorumPort, m.electionPort, m.adminPort])).toEqual([
      [2181, 2881, 3881, 8081],
      [2182, 2882, 3882, 8082],
      [2183, 2883, 3883, 8083],
    ]);
    expect(t.instances.map((i) => `${i.name}:${i.httpPort}/${i.rpcPort}`)).toEqual([
      'course-enrollment-1:3101/4101',
      'course-enrollment-2:3102/4102',
      'exam-registration-1:3201/4201',
      'exam-registration-2:3202/4202',
    ]);
    expect(t.instances[0]!.databasePath).toBe('/d/course-enrollment.sqlite');
    expect(t.gateway.httpPort).toBe(3000);
    expect(new Set(t.ports).size).toBe(t.ports.length);
  });

  it('scales and shifts every port by the offset', () => {
    const t = planTopology({ members: 5, instances: 3, portOffset: 20000, dataDir: '/d' });
    expect(t.members).toHaveLength(5);
    expect(t.members[4]!.clientPort).toBe(22185);
    expect(t.instances).toHaveLength(6);
    expect(t.gateway.httpPort).toBe(23000);
    expect(new Set(t.ports).size).toBe(t.ports.length);
  });

  it('starts no members when an ensemble is given', () => {
    const t = planTopology({
      members: 3,
      instances: 1,
      portOffset: 0,
      dataDir: '/d',
      coordinator: 'zk1:2181,zk2:2181',
    });
    expect(t.members).toEqual([]);
    expect(t.connectString).toBe('zk1:2181,zk2:2181');
  });

  it('refuses nonsense', () => {
    expect(() => planTopology({ members: 0, instances: 2, portOffset: 0, dataDir: '/d' })).toThrow(/members/);
    expect(() => planTopology({ members: 3, instances: 0, portOffset: 0, dataDir: '/d' })).toThrow(
      /instances/,
    );
  });
});

describe('memberConfig', () => {
  it('lists every member for an ensemble and none standalone', () => {
    const t = planTopology({ members: 3, instances: 1, portOffset: 0, dataDir: '/d' });
    const cfg = memberConfig(t.members[1]!, t.members, 2000);
    expect(cfg).toContain('clientPort=2182\n');
    expect(cfg).toContain('server.3=127.0.0.1:2883:3883;127.0.0.1:2183\n');
    expect(cfg).toContain('dataDir=/d/coordinator-2\n');
    const one = planTopology({ members: 1, instances: 1, portOffset: 0, dataDir: '/d' });
    expect(memberConfig(one.members[0]!, one.members, 2000)).not.toContain('server.');
  });
});

describe('LinePrefixer', () => {
  it('prefixes whole lines and holds a partial one until it ends', () => {
    const out: string[] = [];
    const p = new LinePrefixer('[x]', (l) => out.push(l));
    p.push('one\ntw');
    expect(out).toEqual(['[x] one']);
    p.push('o\r\nthree');
    expect(out).toEqual(['[x] one', '[x] two']);
    p.flush();
    expect(out).toEqual(['[x] one', '[x] two', '[x] three']);
  });
});
