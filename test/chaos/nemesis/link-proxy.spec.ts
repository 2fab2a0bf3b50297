import { createHash } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkProxy } from './link-proxy.js';
import { mulberry32 } from '../history/simulated-history.js';

/** A target server: records what each connection sent; optionally echoes it back. */
interface Peer {
  port: number;
  sockets: Socket[];
  received: Buffer[][];
  closed: boolean[];
  close(): Promise<void>;
}

async function startPeer(opts: { echo?: boolean; greeting?: string } = {}): Promise<Peer> {
  const peer: Peer = { port: 0, sockets: [], received: [], closed: [], close: async () => undefined };
  const server: Server = createServer((socket) => {
    const i = peer.sockets.length;
    peer.sockets.push(socket);
    peer.received.push([]);
    peer.closed.push(false);
    socket.on('error', () => undefined);
    socket.on('close', () => (peer.closed[i] = true));
    socket.on('data', (chunk: Buffer) => {
      peer.received[i].push(chunk);
      if (opts.echo) socket.write(chunk);
    });
    if (opts.greeting) socket.write(opts.greeting);
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  peer.port = address.port;
  peer.close = () =>
    new Promise<void>((resolve) => {
      for (const s of peer.sockets) s.destroy();
      server.close(() => resolve());
    });
  return peer;
}

/** A client socket through the proxy, collecting what it receives and how it ended. */
interface Client {
  socket: Socket;
  received: Buffer[];
  closed: Promise<void>;
  isClosed(): boolean;
  text(): string;
}

function connect(port: number): Client {
  const socket = createConnection({ host: '127.0.0.1', port });
  const received: Buffer[] = [];
  let closed = false;
  socket.on('error', () => undefined);
  socket.on('data', (c: Buffer) => received.push(c));
  const closedPromise = new Promise<void>((resolve) =>
    socket.on('close', () => {
      closed = true;
      resolve();
    }),
  );
  return {
    socket,
    received,
    closed: closedPromise,
    isClosed: () => closed,
    text: () => Buffer.concat(received).toString(),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `cond` until true; fails after `ms` (bounded waits only). */
async function until(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function setup(opts: { echo?: boolean; greeting?: string; rng?: () => number } = {}) {
  const peer = await startPeer(opts);
  cleanups.push(() => peer.close());
  const proxy = await LinkProxy.start({
    target: { host: '127.0.0.1', port: peer.port },
    label: 'test',
    ...(opts.rng ? { rng: opts.rng } : {}),
  });
  cleanups.push(() => proxy.close());
  const clients: Client[] = [];
  cleanups.push(() => clients.forEach((c) => c.socket.destroy()));
  const open = (): Client => {
    const c = connect(proxy.port);
    clients.push(c);
    return c;
  };
  return { peer, proxy, open };
}

describe('LinkProxy pass', () => {
  it('listens on its own port and forwards bytes both ways', async () => {
    const { peer, proxy, open } = await setup({ greeting: 'hello from target' });
    expect(proxy.port).toBeGreaterThan(0);
    expect(proxy.port).not.toBe(peer.port);
    expect(proxy.label).toBe('test');

    const c = open();
    c.socket.write('ping from dialer');
    await until(() => c.text() === 'hello from target', 3000, 'greeting');
    await until(() => Buffer.concat(peer.received[0] ?? []).toString() === 'ping from dialer', 3000, 'ping');

    const s = proxy.stats();
    expect(s.accepted).toBe(1);
    expect(s.live).toBe(1);
    expect(s.bytesForwarded).toBe('hello from target'.length + 'ping from dialer'.length);
    expect(s.bytesDropped).toBe(0);
  });

  it('forwards a half-close after the data before it', async () => {
    const { peer, open } = await setup({ greeting: 'bye' });
    const c = open();
    await until(() => peer.sockets.length === 1, 3000, 'accept');
    const ended = new Promise<string>((resolve) =>
      peer.sockets[0].on('end', () => resolve(Buffer.concat(peer.received[0]).toString())),
    );
    c.socket.end('last words');
    expect(await within(ended, 3000, 'end at target')).toBe('last words');
    // The target (not half-open aware) closes in turn; the dialer sees its greeting, then EOF.
    await within(c.closed, 3000, 'dialer close');
    expect(c.text()).toBe('bye');
  });

  it('passes a reset from the target on to the dialer and forgets the connection', async () => {
    const { peer, proxy, open } = await setup();
    const c = open();
    await until(() => peer.sockets.length === 1, 3000, 'accept');
    peer.sockets[0].resetAndDestroy();
    await within(c.closed, 3000, 'dialer close');
    await until(() => proxy.stats().live === 0, 3000, 'live 0');
  });

  it('closes the dialer when the target refuses (member down) without crashing', async () => {
    const peer = await startPeer();
    const deadPort = peer.port;
    await peer.close();
    const proxy = await LinkProxy.start({ target: { host: '127.0.0.1', port: deadPort } });
    cleanups.push(() => proxy.close());
    const c = connect(proxy.port);
    c.socket.write('anyone there?');
    await within(c.closed, 3000, 'dialer close');
    await until(() => proxy.stats().live === 0, 3000, 'live 0');
    expect(proxy.stats().accepted).toBe(1);
  });

  it('applies backpressure: stops reading the dialer while the target does not read, loses nothing', async () => {
    const { peer, proxy, open } = await setup();
    const c = open();
    await until(() => peer.sockets.length === 1, 3000, 'accept');
    peer.sockets[0].pause();

    const total = 64 * 1024 * 1024;
    const payload = Buffer.alloc(total);
    for (let i = 0; i < total; i += 4) payload.writeUInt32LE(i, i);
    c.socket.write(payload);
    await sleep(400);
    const forwardedWhileStalled = proxy.stats().bytesForwarded;
    console.log(`backpressure: ${forwardedWhileStalled} of ${total} bytes forwarded while target paused`);
    // Without pausing, the proxy would read everything the dialer wrote and queue it in memory.
    expect(forwardedWhileStalled).toBeLessThan(total / 2);

    peer.sockets[0].resume();
    await until(() => peer.received[0].reduce((n, b) => n + b.length, 0) === total, 10_000, 'all bytes');
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(Buffer.concat(peer.received[0]))).toBe(digest(payload));
  });
});

describe('LinkProxy delay', () => {
  it('delays each direction by at least ms', async () => {
    const { proxy, open } = await setup({ echo: true });
    const c = open();
    c.socket.write('warm');
    await until(() => c.text() === 'warm', 3000, 'warm-up echo');

    proxy.setMode({ kind: 'delay', ms: 150 });
    expect(proxy.mode).toEqual({ kind: 'delay', ms: 150 });
    const sent = performance.now();
    c.socket.write('slow');
    await until(() => c.text() === 'warmslow', 3000, 'delayed echo');
    // There and back: two delayed hops. Lower bound only; machines are noisy.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(300);
  });

  it('keeps order across many small writes under heavy jitter', async () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    console.log(`delay ordering seed=${seed}`);
    const rng = mulberry32(seed);
    const { peer, proxy, open } = await setup({ rng });
    proxy.setMode({ kind: 'delay', ms: 30, jitterMs: 25 });
    const c = open();
    await until(() => peer.sockets.length === 1, 3000, 'accept');

    const expected: string[] = [];
    for (let i = 0; i < 150; i++) {
      const msg = `<${i}>`;
      expected.push(msg);
      c.socket.write(msg);
      // Separate writes into separate chunks, closer together than the jitter spread.
      await sleep(1);
    }
    const want = expected.join('');
    await until(() => Buffer.concat(peer.received[0]).toString().length >= want.length, 5000, 'all writes');
    expect(Buffer.concat(peer.received[0]).toString()).toBe(want);
    // Several chunks were really delayed independently (otherwise the ordering claim is untested).
    expect(peer.received[0].length).toBeGreaterThan(10);
  });

  it('does not let pass mode overtake chunks still waiting out a delay', async () => {
    const { peer, proxy, open } = await setup();
    const c = open();
    await until(() => peer.sockets.length === 1, 3000, 'accept');
    proxy.setMode({ kind: 'delay', ms: 200 });
    c.socket.write('first');
    await sleep(50);
    proxy.setMode({ kind: 'pass' });
    c.socket.write('second');
    await until(() => Buffer.concat(peer.received[0]).length >= 11, 3000, 'both');
    expect(Buffer.concat(peer.received[0]).toString()).toBe('firstsecond');
  });

  it('loses no bytes of a bulk transfer that outgrows the delay queue', async () => {
    const { peer, proxy, open } = await setup();
    proxy.setMode({ kind: 'delay', ms: 5 });
    const c = open();
    await until(() => peer.sockets.length === 1, 3000, 'accept');
    const total = 8 * 1024 * 1024;
    const payload = Buffer.alloc(total);
    for (let i = 0; i < total; i += 4) payload.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, i);
    c.socket.write(payload);
    await until(() => peer.received[0].reduce((n, b) => n + b.length, 0) >= total, 10_000, 'all bytes');
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(digest(Buffer.concat(peer.received[0]))).toBe(digest(payload));
    expect(proxy.stats().bytesDropped).toBe(0);
  });

  it('rejects a negative delay', async () => {
    const { proxy } = await setup();
    expect(() => proxy.setMode({ kind: 'delay', ms: -1 })).toThrow(RangeError);
    expect(proxy.mode.kind).toBe('pass');
  });
});

describe('LinkProxy blackhole', () => {
  it('swallows bytes both ways, keeps sockets open, and destroys the corrupt connection on heal', async () => {
    const { peer, proxy, open } = await setup({ echo: true });
    const c = open();
    c.socket.write('before');
    await until(() => c.text() === 'before', 3000, 'echo before');

    proxy.setMode({ kind: 'blackhole' });
    c.socket.write('lost-to-target');
    peer.sockets[0].write('lost-to-dialer');
    await sleep(300);
    expect(Buffer.concat(peer.received[0]).toString()).toBe('before');
    expect(c.text()).toBe('before');
    expect(c.isClosed()).toBe(false);
    expect(peer.closed[0]).toBe(false);
    expect(proxy.stats().bytesDropped).toBe('lost-to-target'.length + 'lost-to-dialer'.length);

    proxy.setMode({ kind: 'pass' });
    await within(c.closed, 3000, 'dialer close on heal');
    await until(() => peer.closed[0], 3000, 'target close on heal');
    // Nothing swallowed was delivered late.
    expect(c.text()).toBe('before');
    expect(Buffer.concat(peer.received[0]).toString()).toBe('before');

    const fresh = open();
    fresh.socket.write('after');
    await until(() => fresh.text() === 'after', 3000, 'echo after heal');
  });

  it('keeps idle connections alive across a blackhole', async () => {
    const { proxy, open } = await setup({ echo: true });
    const c = open();
    c.socket.write('a');
    await until(() => c.text() === 'a', 3000, 'echo');
    proxy.setMode({ kind: 'blackhole' });
    await sleep(50);
    proxy.setMode({ kind: 'pass' });
    c.socket.write('b');
    await until(() => c.text() === 'ab', 3000, 'echo after heal');
    expect(c.isClosed()).toBe(false);
  });

  it('accepts new connections without the target ever seeing them, and drops them on heal', async () => {
    const { peer, proxy, open } = await setup({ echo: true });
    proxy.setMode({ kind: 'blackhole' });
    const c = open();
    await within(new Promise((r) => c.socket.once('connect', r)), 3000, 'connect');
    c.socket.write('hello?');
    await sleep(300);
    expect(peer.sockets.length).toBe(0);
    expect(c.isClosed()).toBe(false);
    expect(proxy.stats().live).toBe(1);

    proxy.setMode({ kind: 'pass' });
    await within(c.closed, 3000, 'dialer close on heal');
    expect(peer.sockets.length).toBe(0);
  });

  it('drops chunks still waiting out a delay when the blackhole starts', async () => {
    const { peer, proxy, open } = await setup();
    const c = open();
    await until(() => peer.sockets.length === 1, 3000, 'accept');
    proxy.setMode({ kind: 'delay', ms: 100 });
    c.socket.write('in flight');
    await sleep(20);
    proxy.setMode({ kind: 'blackhole' });
    await sleep(300);
    expect(peer.received[0].length).toBe(0);
    expect(proxy.stats().bytesDropped).toBe('in flight'.length);
  });
});

describe('LinkProxy cut', () => {
  it('destroys live connections on both sides and resets new ones until pass', async () => {
    const { peer, proxy, open } = await setup({ echo: true });
    const c = open();
    c.socket.write('x');
    await until(() => c.text() === 'x', 3000, 'echo');

    proxy.setMode({ kind: 'cut' });
    await within(c.closed, 3000, 'dialer close on cut');
    await until(() => peer.closed[0], 3000, 'target close on cut');
    expect(proxy.stats().live).toBe(0);
    expect(proxy.stats().cutConnections).toBe(1);

    const refused = open();
    refused.socket.write('let me in');
    await within(refused.closed, 3000, 'new connection closed');
    expect(peer.sockets.length).toBe(1);
    expect(refused.text()).toBe('');
    expect(proxy.stats().cutConnections).toBe(2);
    expect(proxy.stats().accepted).toBe(2);

    proxy.setMode({ kind: 'pass' });
    const fresh = open();
    fresh.socket.write('back');
    await until(() => fresh.text() === 'back', 3000, 'echo after pass');
    expect(peer.sockets.length).toBe(2);
  });
});

describe('LinkProxy close', () => {
  it('closes the listener and every socket, drops pending delayed chunks, and is idempotent', async () => {
    const { peer, proxy, open } = await setup({ echo: true });
    const a = open();
    const b = open();
    a.socket.write('1');
    b.socket.write('2');
    await until(() => a.text() === '1' && b.text() === '2', 3000, 'echoes');
    proxy.setMode({ kind: 'delay', ms: 100 });
    a.socket.write('never');
    await sleep(20);

    await proxy.close();
    await proxy.close();
    expect(proxy.stats().live).toBe(0);
    await within(Promise.all([a.closed, b.closed]), 3000, 'client closes');
    await until(() => peer.closed.every(Boolean), 3000, 'target closes');
    await sleep(150);
    expect(peer.received.map((r) => Buffer.concat(r).toString()).sort()).toEqual(['1', '2']);

    const late = connect(proxy.port);
    const err = await within(
      new Promise<NodeJS.ErrnoException>((resolve) => late.socket.once('error', resolve)),
      3000,
      'refusal',
    );
    expect(err.code).toBe('ECONNREFUSED');
  });
});
