import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { linksCutBy, ProxyNetwork, ProxyNetworkError, type Link } from './proxy-network.js';

/** A fake member port: greets every connection with its name, so a probe knows where it landed. */
async function startGreeter(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.write(name);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects and reports the greeting received, or 'closed' if the connection died without one. */
function probe(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`probe of ${port} got neither greeting nor close`));
    }, 3000);
    const done = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.on('error', () => undefined);
    socket.once('data', (b: Buffer) => done(b.toString()));
    socket.once('close', () => done('closed'));
  });
}

/** An open connection through a proxy, to watch whether a fault kills it. */
async function hold(port: number): Promise<{ socket: Socket; closed: () => boolean }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  let closed = false;
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no greeting')), 3000);
    socket.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { socket, closed: () => closed };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** Three fake members whose quorum/election ports greet with "q<id>"/"e<id>", behind a ProxyNetwork. */
async function threeMembers(): Promise<ProxyNetwork> {
  const members = [];
  for (const id of [1, 2, 3]) {
    const q = await startGreeter(`q${id}`);
    const e = await startGreeter(`e${id}`);
    cleanups.push(
      () => q.close(),
      () => e.close(),
    );
    members.push({ id, quorumPort: q.port, electionPort: e.port });
  }
  const net = await ProxyNetwork.start(members);
  cleanups.push(() => net.close());
  return net;
}

const pairs: Link[] = [
  [1, 2],
  [1, 3],
  [2, 1],
  [2, 3],
  [3, 1],
  [3, 2],
];

/** For every directed link and port: the greeting a fresh connection gets, or 'closed'. */
async function reachability(net: ProxyNetwork): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [from, to] of pairs) {
    const r = net.route(from, to);
    out[`${from}->${to}`] = `${await probe(r.quorumPort)} ${await probe(r.electionPort)}`;
  }
  return out;
}

describe('linksCutBy', () => {
  const ids = [1, 2, 3, 4, 5];
  const table: Array<{ name: string; groups: number[][]; ids: number[]; cut: Link[] }> = [
    { name: 'one group cuts nothing', groups: [[1, 2, 3]], ids: [1, 2, 3], cut: [] },
    {
      name: 'majority | minority',
      groups: [[1, 2], [3]],
      ids: [1, 2, 3],
      cut: [
        [1, 3],
        [2, 3],
        [3, 1],
        [3, 2],
      ],
    },
    {
      name: 'a member in no group is isolated',
      groups: [[1, 2]],
      ids: [1, 2, 3],
      cut: [
        [1, 3],
        [2, 3],
        [3, 1],
        [3, 2],
      ],
    },
    {
      name: 'no groups isolates everyone',
      groups: [],
      ids: [1, 2],
      cut: [
        [1, 2],
        [2, 1],
      ],
    },
    {
      name: 'bridge [1,2] <-3-> [4,5] keeps 3 linked to all',
      groups: [
        [1, 2, 3],
        [3, 4, 5],
      ],
      ids,
      cut: [
        [1, 4],
        [1, 5],
        [2, 4],
        [2, 5],
        [4, 1],
        [4, 2],
        [5, 1],
        [5, 2],
      ],
    },
    {
      name: 'three-way split of five',
      groups: [[1, 2], [3, 4], [5]],
      ids,
      cut: [
        [1, 3],
        [1, 4],
        [1, 5],
        [2, 3],
        [2, 4],
        [2, 5],
        [3, 1],
        [3, 2],
        [3, 5],
        [4, 1],
        [4, 2],
        [4, 5],
        [5, 1],
        [5, 2],
        [5, 3],
        [5, 4],
      ],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(linksCutBy(row.groups, row.ids)).toEqual(row.cut);
    });
  }
});

describe('ProxyNetwork over real sockets', () => {
  it('routes from->to on each port to the real port of `to`', async () => {
    const net = await threeMembers();
    const ports = new Set<number>();
    for (const [from, to] of pairs) {
      const r = net.route(from, to);
      ports.add(r.quorumPort).add(r.electionPort);
    }
    expect(ports.size).toBe(12);
    expect(await reachability(net)).toEqual({
      '1->2': 'q2 e2',
      '1->3': 'q3 e3',
      '2->1': 'q1 e1',
      '2->3': 'q3 e3',
      '3->1': 'q1 e1',
      '3->2': 'q2 e2',
    });
    expect(net.describe()).toBe('healed');
  });

  it('partition cuts exactly the cross-group links, live and new, and heal restores them', async () => {
    const net = await threeMembers();
    const live = new Map<string, Awaited<ReturnType<typeof hold>>>();
    for (const [from, to] of pairs) live.set(`${from}->${to}`, await hold(net.route(from, to).quorumPort));

    net.partition([[1, 2], [3]]);
    expect(net.describe()).toBe('partition [1,2] | [3]');
    expect(await reachability(net)).toEqual({
      '1->2': 'q2 e2',
      '1->3': 'closed closed',
      '2->1': 'q1 e1',
      '2->3': 'closed closed',
      '3->1': 'closed closed',
      '3->2': 'closed closed',
    });
    await sleep(100);
    const survivors = [...live].filter(([, c]) => !c.closed()).map(([k]) => k);
    expect(survivors.sort()).toEqual(['1->2', '2->1']);
    for (const c of live.values()) c.socket.destroy();

    net.heal();
    expect(net.describe()).toBe('healed');
    expect(Object.values(await reachability(net)).every((v) => v !== 'closed closed')).toBe(true);
  });

  it('cutOneWay cuts only the one direction, and composes with other faults', async () => {
    const net = await threeMembers();
    net.cutOneWay(1, 2);
    expect(net.describe()).toBe('cut 1->2');
    const r = await reachability(net);
    expect(r['1->2']).toBe('closed closed');
    expect(r['2->1']).toBe('q1 e1');
    expect(Object.values(r).filter((v) => v === 'closed closed')).toHaveLength(1);

    net.slow(5);
    expect(net.mode(1, 2).kind).toBe('cut');
    expect(net.mode(2, 1)).toEqual({ kind: 'delay', ms: 5 });
    expect(net.describe()).toBe('cut 1->2; slow 5ms all');
  });

  it('bridge lets the bridge member talk to both sides only', async () => {
    const net = await threeMembers();
    net.bridge([1], 2, [3]);
    expect(net.describe()).toBe('bridge [1] <-2-> [3]');
    expect(await reachability(net)).toEqual({
      '1->2': 'q2 e2',
      '1->3': 'closed closed',
      '2->1': 'q1 e1',
      '2->3': 'q3 e3',
      '3->1': 'closed closed',
      '3->2': 'q2 e2',
    });
  });

  it('isolate, blackhole and slow set the expected modes', async () => {
    const net = await threeMembers();
    net.isolate(3);
    expect(net.describe()).toBe('partition [3] | [1,2]');
    const kinds = () => pairs.map(([f, t]) => `${f}->${t}:${net.mode(f, t).kind}`);
    expect(kinds()).toEqual(['1->2:pass', '1->3:cut', '2->1:pass', '2->3:cut', '3->1:cut', '3->2:cut']);

    net.blackhole([[1], [2, 3]]);
    expect(net.describe()).toBe('blackhole [1] | [2,3]');
    expect(kinds()).toEqual([
      '1->2:blackhole',
      '1->3:blackhole',
      '2->1:blackhole',
      '2->3:pass',
      '3->1:blackhole',
      '3->2:pass',
    ]);

    net.slow(20, 5, [[2, 3]]);
    expect(net.mode(2, 3)).toEqual({ kind: 'delay', ms: 20, jitterMs: 5 });
    expect(net.mode(3, 2).kind).toBe('pass');
    expect(net.describe()).toBe('blackhole [1] | [2,3]; slow 20±5ms 2->3');

    net.partition([[1, 2]]);
    expect(net.describe()).toBe('partition [1,2] | [3]');
    expect(net.mode(2, 3).kind).toBe('cut');
    expect(net.mode(1, 2).kind).toBe('pass');

    net.heal();
    expect(pairs.every(([f, t]) => net.mode(f, t).kind === 'pass')).toBe(true);
  });

  it('blackholed links swallow silently instead of closing', async () => {
    const net = await threeMembers();
    net.blackhole([[1], [2, 3]]);
    const socket = createConnection({ host: '127.0.0.1', port: net.route(1, 2).quorumPort });
    cleanups.push(() => void socket.destroy());
    let got = '';
    let closed = false;
    socket.on('error', () => undefined);
    socket.on('data', (b: Buffer) => (got += b.toString()));
    socket.on('close', () => (closed = true));
    await sleep(300);
    expect(got).toBe('');
    expect(closed).toBe(false);
    expect(await probe(net.route(2, 3).quorumPort)).toBe('q3');
  });

  it('rejects unknown members and overlapping groups', async () => {
    const net = await threeMembers();
    expect(() => net.route(1, 4)).toThrow(ProxyNetworkError);
    expect(() => net.route(2, 2)).toThrow(ProxyNetworkError);
    expect(() => net.partition([[1, 9]])).toThrow(ProxyNetworkError);
    expect(() =>
      net.partition([
        [1, 2],
        [2, 3],
      ]),
    ).toThrow(ProxyNetworkError);
    expect(() => net.bridge([1, 2], 2, [3])).toThrow(ProxyNetworkError);
    expect(() => net.isolate(7)).toThrow(ProxyNetworkError);
    // A rejected fault changes nothing.
    expect(net.describe()).toBe('healed');
    expect(pairs.every(([f, t]) => net.mode(f, t).kind === 'pass')).toBe(true);
  });

  it('sums counters over every proxy and closes every connection', async () => {
    const net = await threeMembers();
    const a = await hold(net.route(1, 2).quorumPort);
    const b = await hold(net.route(3, 1).electionPort);
    const s = net.stats();
    expect(s.accepted).toBe(2);
    expect(s.live).toBe(2);
    expect(s.bytesForwarded).toBe(4);
    expect(net.linkStats(1, 2).quorum.accepted).toBe(1);
    expect(net.linkStats(1, 2).election.accepted).toBe(0);

    await net.close();
    await net.close();
    expect(net.stats().live).toBe(0);
    for (let i = 0; i < 300 && !(a.closed() && b.closed()); i++) await sleep(10);
    expect(a.closed() && b.closed()).toBe(true);
  });
});
