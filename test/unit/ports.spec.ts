import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts } from '../support/ports.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(s));
  });
}

describe('freePorts', () => {
  it('hands out distinct ports outside the ephemeral range (no outgoing connection can hold one) that servers then bind', async () => {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number) as [number, number];
    const ports = await freePorts(12);
    expect(new Set(ports).size).toBe(12);
    for (const p of ports) expect(p < low || p > high, `port ${p} inside ${low}-${high}`).toBe(true);
    const servers = await Promise.all(ports.map(listen));
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('skips ports other servers hold, and says so when none is left', async () => {
    const [first] = await freePorts(1);
    const block: [number, number] = [first!, first! + 9];
    // Hold every other port of a block of ten (those that are free), then ask the block for what is left.
    const held: Server[] = [];
    for (let p = block[0]; p <= block[1]; p += 2) held.push(await listen(p).catch(() => listen(p + 1)));
    const heldPorts = new Set(held.map((s) => (s.address() as { port: number }).port));
    const left = await freePorts(10 - heldPorts.size, block);
    expect(left.filter((p) => heldPorts.has(p))).toEqual([]);
    expect(new Set([...left, ...heldPorts]).size).toBe(10);
    await expect(freePorts(1, block)).resolves.toHaveLength(1);
    const rest = await Promise.all(left.map(listen));
    await expect(freePorts(1, block)).rejects.toThrow(/no free loopback port/);
    await Promise.all([...held, ...rest].map((s) => new Promise((r) => s.close(r))));
  });
});
