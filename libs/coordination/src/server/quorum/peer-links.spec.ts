import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { FrameDecoder } from '../../protocol/frame-decoder.js';
import { decodeZabMessage, encodeZabMessage } from '../../zab/message-codec.js';
import type { ZabMessage } from '../../zab/messages.js';
import { encodeHello, HELLO_FRAME_BYTES, decodeHello, type Hello } from './link-hello.js';
import { PeerLinks, QuorumBindError, type PeerAddress, type PeerLinksOptions } from './peer-links.js';
import { HOST, isVote, memberTable, oneOfEachType, proposal, waitFor } from './peer-links.test-support.js';

interface Received {
  from: number;
  msg: ZabMessage;
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function links(peers: PeerAddress[], myId: number, extra: Partial<PeerLinksOptions> = {}) {
  const l = new PeerLinks({
    myId,
    peers,
    isElectionMessage: isVote,
    rng: Math.random,
    now: Date.now,
    ...extra,
  });
  const received: Received[] = [];
  const events: string[] = [];
  l.on('message', (from, msg) => received.push({ from, msg }));
  l.on('linkUp', (p) => events.push(`up:${p}`));
  l.on('linkDown', (p) => events.push(`down:${p}`));
  cleanups.push(() => l.stop());
  return { l, received, events };
}

async function started(peers: PeerAddress[], myId: number, extra: Partial<PeerLinksOptions> = {}) {
  const m = links(peers, myId, extra);
  await m.l.start();
  return m;
}

/** A raw client socket to a member's port, closed after the test. */
function rawClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: HOST, port }, () => resolve(s));
    s.on('error', reject);
    cleanups.push(() => {
      s.destroy();
    });
  });
}

function closedByPeer(s: Socket, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.closed) return resolve();
    const t = setTimeout(() => reject(new Error('connection was not closed')), ms);
    s.on('error', () => {});
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function frame(payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(4 + payload.length);
  b.writeUInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
}

describe('PeerLinks', () => {
  it('three members exchange every message type, each arriving intact with its sender', async () => {
    const peers = await memberTable([1, 2, 3]);
    const ms = await Promise.all([1, 2, 3].map((id) => started(peers, id)));
    const all = oneOfEachType();
    for (const [i, from] of [1, 2, 3].entries()) {
      for (const to of [1, 2, 3]) if (to !== from) for (const msg of all) ms[i]!.l.send(to, msg);
    }
    await waitFor(() => ms.every((m) => m.received.length === 2 * all.length), 'all messages');
    for (const [i, me] of [1, 2, 3].entries()) {
      for (const from of [1, 2, 3].filter((x) => x !== me)) {
        const got = ms[i]!.received.filter((r) => r.from === from).map((r) => r.msg);
        // Votes travel on another connection than the rest, so compare per kind (order within each).
        expect(got.filter(isVote)).toEqual(all.filter(isVote));
        expect(got.filter((m) => !isVote(m))).toEqual(all.filter((m) => !isVote(m)));
      }
    }
    expect(ms[0]!.l.connected(2) && ms[0]!.l.connected(3)).toBe(true);
    const row = ms[0]!.l.stats().find((s) => s.peer === 2)!;
    expect(row).toMatchObject({ quorumUp: true, electionUp: true, reconnects: 0, droppedMessages: 0 });
    expect(row.sentBytes).toBeGreaterThan(0);
    expect(row.receivedBytes).toBe(ms[1]!.l.stats().find((s) => s.peer === 1)!.sentBytes);
  });

  it('routes votes to the election port and everything else to the quorum port, each after a hello', async () => {
    const peers = await memberTable([1, 2]);
    // Member 2 is a spy: two raw listeners on its ports record hellos and messages per port.
    const seen: Record<'quorum' | 'election', { hello?: Hello; msgs: ZabMessage[] }> = {
      quorum: { msgs: [] },
      election: { msgs: [] },
    };
    const spy = (kind: 'quorum' | 'election', port: number) =>
      new Promise<Server>((resolve) => {
        const server = createServer((s) => {
          let head = Buffer.alloc(0);
          const dec = new FrameDecoder(1 << 20);
          s.on('data', (chunk: Buffer) => {
            let rest = chunk;
            if (seen[kind].hello === undefined) {
              head = Buffer.concat([head, chunk]);
              if (head.length < HELLO_FRAME_BYTES) return;
              seen[kind].hello = decodeHello(head.subarray(0, HELLO_FRAME_BYTES)) as Hello;
              rest = head.subarray(HELLO_FRAME_BYTES);
            }
            for (const f of dec.push(rest)) seen[kind].msgs.push(decodeZabMessage(f));
          });
          cleanups.push(() => {
            s.destroy();
          });
        });
        server.listen(port, HOST, () => resolve(server));
        cleanups.push(() => new Promise((r) => server.close(r)));
      });
    await spy('quorum', peers[1]!.quorumPort);
    await spy('election', peers[1]!.electionPort);
    const { l } = await started(peers, 1);
    const all = oneOfEachType();
    for (const msg of all) l.send(2, msg);
    await waitFor(() => seen.quorum.msgs.length + seen.election.msgs.length === all.length, 'spy receipt');
    expect(seen.election.hello).toEqual({ kind: 'election', from: 1, to: 2 });
    expect(seen.quorum.hello).toEqual({ kind: 'quorum', from: 1, to: 2 });
    expect(seen.election.msgs).toEqual(all.filter(isVote));
    expect(seen.quorum.msgs).toEqual(all.filter((m) => !isVote(m)));
    expect(seen.election.msgs).toHaveLength(1);
  });

  it('preserves order per connection for 10k messages from each of two senders', async () => {
    const peers = await memberTable([1, 2, 3]);
    const [a, b, c] = await Promise.all([1, 2, 3].map((id) => started(peers, id)));
    const N = 10_000;
    // Sent in several ticks so some batches are written while earlier ones are still in flight.
    for (let i = 1; i <= N; i++) {
      a!.l.send(2, proposal(i));
      c!.l.send(2, proposal(i));
      a!.l.send(2, { type: 'vote', state: 0, round: i, vote: { leader: 1, zxid: i, peerEpoch: 1 } });
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => b!.received.length === 3 * N, '30k messages', 20_000);
    const zxids = (from: number) =>
      b!.received
        .filter((r) => r.from === from && r.msg.type === 'proposal')
        .map((r) => (r.msg as { entry: { zxid: number } }).entry.zxid);
    const rounds = b!.received
      .filter((r) => r.msg.type === 'vote')
      .map((r) => (r.msg as { round: number }).round);
    const expected = Array.from({ length: N }, (_, i) => i + 1);
    expect(zxids(1)).toEqual(expected);
    expect(zxids(3)).toEqual(expected);
    expect(rounds).toEqual(expected);
  });

  it('keeps order and content in a batch mixing large and small payloads (the copy-free write path)', async () => {
    const peers = await memberTable([1, 2]);
    const [a, b] = await Promise.all([1, 2].map((id) => started(peers, id)));
    const sizes = [
      10,
      70_000,
      5,
      300_000,
      1,
      2,
      64 * 1024,
      64 * 1024 - 1,
      200_000,
      3,
      ...Array(3000).fill(100),
    ];
    sizes.forEach((n, i) => a!.l.send(2, proposal(i + 1, n)));
    await waitFor(() => b!.received.length === sizes.length, 'mixed batch');
    // Compare buffers with Buffer#equals: a deep toEqual over ~1 MB of bytes is needlessly slow.
    const mismatches = b!.received.filter((r, i) => {
      const want = proposal(i + 1, sizes[i]!);
      return (
        r.msg.type !== 'proposal' ||
        r.msg.entry.zxid !== i + 1 ||
        !r.msg.entry.data.equals(want.type === 'proposal' ? want.entry.data : Buffer.alloc(0))
      );
    });
    expect(mismatches).toEqual([]);
  });

  it('a member stopped and restarted: the others see linkDown, redial, see linkUp and deliver again', async () => {
    const peers = await memberTable([1, 2, 3]);
    const fast = { reconnectMinMs: 10, reconnectMaxMs: 100 };
    const a = await started(peers, 1, fast);
    const b = await started(peers, 2, fast);
    const c = await started(peers, 3, fast);
    a.l.send(2, proposal(1));
    c.l.send(2, proposal(1));
    await waitFor(() => b.received.length === 2, 'first delivery');
    expect(a.events).toEqual(['up:2']);
    expect(c.events).toEqual(['up:2']);

    await b.l.stop();
    await waitFor(() => a.events.length === 2 && c.events.length === 2, 'linkDown');
    expect(a.events).toEqual(['up:2', 'down:2']);
    expect(a.l.connected(2)).toBe(false);
    // Sent while member 2 is away: they wait in the queue.
    for (const m of [a, c]) for (let z = 2; z <= 4; z++) m.l.send(2, proposal(z));
    await new Promise((r) => setTimeout(r, 150)); // a few failed redials
    expect(a.l.stats()[0]!.reconnects).toBeGreaterThan(0);
    expect(a.l.stats()[0]!.queuedBytes).toBeGreaterThan(0);

    const b2 = await started(peers, 2, fast);
    await waitFor(() => a.l.connected(2) && c.l.connected(2), 'reconnect');
    for (const m of [a, c]) m.l.send(2, proposal(5));
    await waitFor(() => b2.received.length === 8, 'delivery after restart');
    for (const from of [1, 3]) {
      const z = b2.received
        .filter((r) => r.from === from)
        .map((r) => (r.msg as { entry: { zxid: number } }).entry.zxid);
      expect(z).toEqual([2, 3, 4, 5]);
    }
    expect(a.events).toEqual(['up:2', 'down:2', 'up:2']);
    expect(c.events).toEqual(['up:2', 'down:2', 'up:2']);
  });

  it('send to a never-started member does not throw, stays bounded and keeps the newest messages', async () => {
    const peers = await memberTable([1, 2]);
    const maxQueuedBytes = 2000;
    const a = await started(peers, 1, { maxQueuedBytes, reconnectMinMs: 5, reconnectMaxMs: 20 });
    const N = 5000;
    for (let i = 1; i <= N; i++) expect(() => a.l.send(2, proposal(i, 100))).not.toThrow();
    const frameBytes = 4 + encodeZabMessage(proposal(1, 100)).length;
    const kept = Math.floor(maxQueuedBytes / frameBytes);
    let row = a.l.stats()[0]!;
    expect(row.queuedBytes).toBe(kept * frameBytes);
    expect(row.droppedMessages).toBe(N - kept);
    await waitFor(() => a.l.stats()[0]!.reconnects >= 3, 'redial attempts');
    row = a.l.stats()[0]!;
    expect(row.queuedBytes).toBeLessThanOrEqual(maxQueuedBytes);
    expect(a.l.connected(2)).toBe(false);
    expect(a.events).toEqual([]);

    // Member 2 comes up: it gets exactly the newest `kept` messages, in order (drop-oldest).
    const b = await started(peers, 2);
    await waitFor(() => b.received.length === kept, 'queued delivery');
    await new Promise((r) => setTimeout(r, 50));
    const z = b.received.map((r) => (r.msg as { entry: { zxid: number } }).entry.zxid);
    expect(z).toEqual(Array.from({ length: kept }, (_, i) => N - kept + 1 + i));
    expect(a.events).toEqual(['up:2']);
  });

  it('stays bounded while the receiver does not read (congestion), dropping the oldest', async () => {
    const peers = await memberTable([1, 2]);
    // Member 2 accepts connections and never reads from them.
    const server = createServer((sock) => {
      sock.pause();
      cleanups.push(() => {
        sock.destroy();
      });
    });
    await new Promise<void>((r) => server.listen(peers[1]!.quorumPort, HOST, () => r()));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const maxQueuedBytes = 1 << 20;
    const a = await started(peers, 1, { maxQueuedBytes });
    await waitFor(() => {
      a.l.send(2, proposal(1, 1000)); // no connection yet: dials
      return a.l.connected(2);
    }, 'connection');
    // 64 MiB offered in 64 ticks; kernel buffers absorb a few MiB, the rest must be queued or dropped.
    for (let tick = 0; tick < 64; tick++) {
      for (let i = 0; i < 1024; i++) a.l.send(2, proposal(i, 1000));
      await new Promise((r) => setImmediate(r));
      expect(a.l.stats()[0]!.queuedBytes).toBeLessThanOrEqual(maxQueuedBytes);
    }
    const row = a.l.stats()[0]!;
    expect(row.droppedMessages).toBeGreaterThan(30_000);
    expect(row.sentBytes).toBeLessThan(40 * (1 << 20));
    expect(a.l.connected(2)).toBe(true);
  });

  it('whenQueuedAtMost waits while a receiver does not read and resolves once it reads again', async () => {
    const peers = await memberTable([1, 2]);
    const receivers: Socket[] = [];
    const server = createServer((sock) => {
      sock.pause();
      receivers.push(sock);
      cleanups.push(() => {
        sock.destroy();
      });
    });
    await new Promise<void>((r) => server.listen(peers[1]!.quorumPort, HOST, () => r()));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const a = await started(peers, 1, { maxQueuedBytes: 64 << 20 });
    await waitFor(() => {
      a.l.send(2, proposal(1, 1000));
      return a.l.connected(2);
    }, 'connection');
    // Fill the kernel's buffers and the socket's own until the link keeps a queue even after a pause
    // (while the kernel still takes bytes, a 'drain' hands the whole queue to the socket).
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 64; i++) a.l.send(2, proposal(i, 64 * 1024));
      await new Promise((r) => setTimeout(r, 50));
      if (a.l.queuedBytes(2) > 0) break;
    }
    expect(a.l.queuedBytes(2)).toBeGreaterThan(0);
    let resolved = false;
    const room = a.l.whenQueuedAtMost(2, 0).then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(resolved).toBe(false); // nobody reads: no room
    for (const r of receivers) r.resume();
    await room;
    expect(a.l.queuedBytes(2)).toBe(0);
  });

  it('a member that rejects our hello is redialled with growing delays, not hammered', async () => {
    const peers = await memberTable([1, 2, 3]);
    const a = await started(peers, 1, { reconnectMinMs: 10, reconnectMaxMs: 200 });
    // Member 2's configuration does not list member 1, so it closes every connection from it.
    await started([peers[1]!, peers[2]!], 2);
    a.l.send(2, proposal(1));
    await new Promise((r) => setTimeout(r, 700));
    const { reconnects } = a.l.stats().find((s) => s.peer === 2)!;
    // Minimum delays 10,10,20,40,80,100,100,... ms: at most ~10 attempts fit in 700 ms; without
    // backoff (a reset after every short-lived connection) there would be dozens.
    expect(reconnects).toBeGreaterThanOrEqual(3);
    expect(reconnects).toBeLessThanOrEqual(12);
  });

  it('drops (does not send) a message larger than maxFrameBytes, and counts it', async () => {
    const peers = await memberTable([1, 2]);
    const a = await started(peers, 1, { maxFrameBytes: 1000 });
    const b = await started(peers, 2, { maxFrameBytes: 1000 });
    a.l.send(2, proposal(1, 2000));
    a.l.send(2, proposal(2, 10));
    await waitFor(() => b.received.length === 1, 'small message');
    expect((b.received[0]!.msg as { entry: { zxid: number } }).entry.zxid).toBe(2);
    expect(a.l.stats()[0]!.droppedMessages).toBe(1);
  });

  it('send to an unknown member id throws; to myself is ignored', async () => {
    const peers = await memberTable([1, 2]);
    const { l } = links(peers, 1);
    expect(() => l.send(9, proposal(1))).toThrow(/unknown member 9/);
    expect(() => l.send(1, proposal(1))).not.toThrow();
    expect(l.stats().map((s) => s.queuedBytes)).toEqual([0]);
  });

  describe('bad inbound connections close only themselves', () => {
    // Member 4 is configured but never started, so a raw socket can speak as it without
    // replacing a real member's connection.
    async function setup(extra: Partial<PeerLinksOptions> = {}) {
      const peers = await memberTable([1, 2, 4]);
      const a = await started(peers, 1);
      const b = await started(peers, 2, extra);
      a.l.send(2, proposal(1));
      await waitFor(() => b.received.length === 1, 'healthy link');
      /** The healthy link still delivers and never dropped. */
      const healthy = async () => {
        a.l.send(2, proposal(2));
        await waitFor(() => b.received.length === 2, 'delivery after the bad connection');
        expect(a.events).toEqual(['up:2']);
        expect(a.l.stats().find((s) => s.peer === 2)!.reconnects).toBe(0);
      };
      return { peers, a, b, healthy };
    }

    const badHellos: [string, Buffer | ((q: PeerAddress[]) => Buffer)][] = [
      ['garbage bytes', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      [
        'wrong magic',
        (() => {
          const h = encodeHello({ kind: 'quorum', from: 4, to: 2 });
          h.writeUInt32BE(0x12345678, 4);
          return h;
        })(),
      ],
      ['election hello on the quorum port', encodeHello({ kind: 'election', from: 4, to: 2 })],
      ['hello meant for another member', encodeHello({ kind: 'quorum', from: 4, to: 1 })],
      ['hello from an unknown member', encodeHello({ kind: 'quorum', from: 99, to: 2 })],
      ['hello from the member itself', encodeHello({ kind: 'quorum', from: 2, to: 2 })],
    ];
    for (const [name, bytes] of badHellos) {
      it(`${name}: closed`, async () => {
        const { peers, b, healthy } = await setup();
        const s = await rawClient(peers[1]!.quorumPort);
        s.write(bytes as Buffer);
        // Even followed by a valid message, nothing is delivered from it.
        s.write(frame(encodeZabMessage(proposal(77))));
        await closedByPeer(s);
        await healthy();
        expect(b.received.every((r) => r.from === 1)).toBe(true);
      });
    }

    it('a valid hello then a garbage frame: closed, and the valid frames before it were delivered', async () => {
      const { peers, b, healthy } = await setup();
      const s = await rawClient(peers[1]!.quorumPort);
      s.write(
        Buffer.concat([
          encodeHello({ kind: 'quorum', from: 4, to: 2 }),
          frame(encodeZabMessage(proposal(40))),
          frame(Buffer.from('not a zab message')),
          frame(encodeZabMessage(proposal(41))),
        ]),
      );
      await closedByPeer(s);
      await healthy();
      const from4 = b.received.filter((r) => r.from === 4).map((r) => r.msg);
      expect(from4).toEqual([proposal(40)]);
    });

    it('a frame over maxFrameBytes: closed; a frame at the limit passes', async () => {
      const maxFrameBytes = 1024;
      const { peers, b, healthy } = await setup({ maxFrameBytes });
      const atLimit = proposal(50, maxFrameBytes - encodeZabMessage(proposal(50, 0)).length);
      expect(encodeZabMessage(atLimit).length).toBe(maxFrameBytes);
      const s = await rawClient(peers[1]!.quorumPort);
      const tooBig = Buffer.alloc(4);
      tooBig.writeUInt32BE(maxFrameBytes + 1, 0);
      s.write(
        Buffer.concat([encodeHello({ kind: 'quorum', from: 4, to: 2 }), frame(encodeZabMessage(atLimit))]),
      );
      await waitFor(() => b.received.some((r) => r.from === 4), 'frame at the limit');
      // Only the length prefix is needed: the receiver must not wait for (or buffer) the payload.
      s.write(tooBig);
      await closedByPeer(s);
      await healthy();
      expect(b.received.filter((r) => r.from === 4).map((r) => r.msg)).toEqual([atLimit]);
    });

    it('a real sender whose message exceeds the receiver limit loses that connection and redials', async () => {
      const peers = await memberTable([1, 2]);
      const fast = { reconnectMinMs: 10, reconnectMaxMs: 50 };
      const a = await started(peers, 1, fast);
      const b = await started(peers, 2, { ...fast, maxFrameBytes: 1024 });
      a.l.send(2, proposal(1, 2000));
      await waitFor(() => a.events.length >= 2, 'linkDown');
      await waitFor(() => a.l.connected(2), 'redial');
      a.l.send(2, proposal(2));
      await waitFor(() => b.received.length === 1, 'delivery after redial');
      expect(a.events.slice(0, 3)).toEqual(['up:2', 'down:2', 'up:2']);
    });
  });

  it('start() rejects with QuorumBindError naming the port when it is taken', async () => {
    const peers = await memberTable([1, 2]);
    await started(peers, 1);
    const clash = links(peers, 1);
    const err = await clash.l.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuorumBindError);
    expect((err as QuorumBindError).port).toBe(peers[0]!.quorumPort);
    expect((err as Error).message).toContain(`${HOST}:${peers[0]!.quorumPort}`);
  });

  it('stop() leaves no open handles: a process that used the links exits by itself', async () => {
    const script = fileURLToPath(new URL('./peer-links.exit-check.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL'); // this child, by its handle (PID), only
        resolve(null);
      }, 20_000);
      child.once('exit', (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect({ code, err }).toEqual({ code: 0, err: expect.any(String) });
    const report = JSON.parse(out.trim().split('\n').pop()!) as {
      resources: string[];
      msSinceStop: number;
      delivered: number;
    };
    expect(report.delivered).toBeGreaterThan(0);
    expect(report.resources.filter((r) => /TCP|Timeout|Immediate/.test(r))).toEqual([]);
  });
});
