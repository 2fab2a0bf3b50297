import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/**
 * Loopback ports for servers that tests start in other processes (members, Apache ZooKeeper, services,
 * PostgreSQL). A port is checked free by binding it and is released for the server to bind, so another
 * process could take it in between; what keeps that from happening is where the port comes from.
 *
 * It is chosen at random *outside* the kernel's ephemeral range (net.ipv4.ip_local_port_range). Every
 * outgoing connection the suites make (clients, link proxies, members dialing each other, the JVM) gets
 * its source port from that range, and so does bind(0). Ports chosen by bind(0), as this did before, sat
 * in the middle of it: a chaos run (seed 791, 2026-12-04) lost a service instance at start-up to
 * `listen EADDRINUSE 127.0.0.1:40923`, a port handed out moments before and taken by some connection in
 * between. Outside the range only another chooser like this one can collide, and it picks at random among
 * ~17,000 ports. It also rules out TCP self-connects to a stopped member's port (test/chaos/nemesis/link-proxy.ts).
 *
 * @example const port = await freePort();
 */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * Returns `count` distinct free loopback ports. The ports are held open until all are chosen, so the
 * same port is never handed out twice within one call. `within` narrows the choice (its spec).
 */
export async function freePorts(count: number, within: [number, number] = CHOICE_RANGE): Promise<number[]> {
  const [low, high] = within;
  const tried = new Set<number>();
  const held: Server[] = [];
  try {
    while (held.length < count) held.push(await holdFreePort(low, high, tried));
    return held.map(portOf);
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** The lowest port chosen: clear of the registered ports most machines run services on. */
const LOWEST = 15_000;
const ATTEMPTS = 200;
/** Where ports are chosen from, read once: the ephemeral range does not change under a test run. */
const CHOICE_RANGE = choiceRange();

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux, or /proc not mounted: assume the kernel's default.
  }
  return [32_768, 60_999];
}

/** Below the ephemeral range when there is room there, else above it, else anywhere (collisions possible). */
function choiceRange(): [number, number] {
  const [low, high] = ephemeralRange();
  if (low - LOWEST >= 4_000) return [LOWEST, low - 1];
  if (65_535 - high >= 4_000) return [high + 1, 65_535];
  return [1_024, 65_535];
}

async function holdFreePort(low: number, high: number, tried: Set<number>): Promise<Server> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (tried.has(port)) continue;
    tried.add(port);
    const server = await listenOn(port);
    if (server !== undefined) return server;
  }
  throw new Error(`no free loopback port in ${low}-${high} after ${ATTEMPTS} tries`);
}

/** The bound server, or undefined when the port is taken. */
function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES') resolve(undefined);
      else reject(e);
    });
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('could not read the bound port');
  return address.port;
}
