/**
 * ZabHost over real txn logs in temp dirs and an in-memory transport: three hosts elect, replicate,
 * persist epochs before their messages leave, and apply commits in zxid order.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { saveEpochFiles } from '../storage/epoch-file.js';
import { TxnLog } from '../storage/txn-log.js';
import type { ZabEntry, ZabMessage } from '../zab/messages.js';
import type { PeerStatus } from '../zab/ready.js';
import { ZabPeer } from '../zab/zab-peer.js';
import { ZabHost, type QuorumTransport } from './zab-host.js';
import { LogWindow } from './zab-log-window.js';

class MemoryNet {
  readonly handlers = new Map<number, (from: number, msg: ZabMessage) => void>();
  /** epoch files present (read from disk) when each message left, per sender */
  readonly sentWithEpoch: { from: number; msg: ZabMessage; accepted: string | undefined }[] = [];
  transport(id: number, dir: string): QuorumTransport {
    return {
      start: async () => undefined,
      stop: async () => undefined,
      on: (event: string, fn: (...args: never[]) => void) => {
        if (event === 'message') this.handlers.set(id, fn as (from: number, msg: ZabMessage) => void);
      },
      send: (to, msg) => {
        let accepted: string | undefined;
        try {
          accepted = readFileSync(join(dir, 'acceptedEpoch'), 'utf8').trim();
        } catch {
          accepted = undefined;
        }
        this.sentWithEpoch.push({ from: id, msg, accepted });
        setImmediate(() => this.handlers.get(to)?.(id, msg));
      },
    };
  }
}

interface Node {
  host: ZabHost;
  log: TxnLog;
  applied: ZabEntry[];
  status: PeerStatus | undefined;
}

const dirs: string[] = [];
const nodes: Node[] = [];
afterEach(async () => {
  for (const n of nodes.splice(0)) {
    await n.host.stop();
    await n.log.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function cluster(n: number): Promise<{ nodes: Node[]; net: MemoryNet }> {
  const net = new MemoryNet();
  const voters = Array.from({ length: n }, (_, i) => i + 1);
  for (const id of voters) {
    const dir = mkdtempSync(join(tmpdir(), `zab-host-${id}-`));
    dirs.push(dir);
    const log = await TxnLog.open(join(dir, 'log'), { fsync: false });
    const node: Node = { host: undefined as unknown as ZabHost, log, applied: [], status: undefined };
    const window = new LogWindow(
      0,
      () => ({ zxid: node.applied.at(-1)?.zxid ?? 0, records: [] }),
      () => Infinity,
    );
    const peer = new ZabPeer(
      { id, voters, observers: [], initLimitTicks: 50, syncLimitTicks: 20 },
      { acceptedEpoch: 0, currentEpoch: 0 },
      window,
      { nextUint32: () => (Math.random() * 2 ** 32) >>> 0 },
    );
    node.host = new ZabHost({
      peer,
      transport: net.transport(id, dir),
      log,
      window,
      saveEpochs: (e) => saveEpochFiles(dir, e, { fsync: false }),
      tickMs: 5,
      clock: { now: Date.now },
      warn: () => undefined,
      fatal: (err) => {
        throw err;
      },
      writeSnapshot: async () => undefined,
      sink: {
        installSnapshot: async () => undefined,
        truncated: async () => undefined,
        applyCommitted: (e) => node.applied.push(e),
        statusChanged: (st) => (node.status = st),
        forwarded: (_from, data) => node.host.withPeer((p) => p.propose(data)),
        syncDone: () => undefined,
        syncFailed: () => undefined,
      },
    });
    nodes.push(node);
  }
  for (const node of nodes) await node.host.start();
  return { nodes: [...nodes], net };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ZabHost', () => {
  it('elects, replicates proposals and forwarded requests, and applies commits in zxid order everywhere', async () => {
    const { nodes: ns, net } = await cluster(3);
    await until(() => ns.every((n) => n.status?.serving));
    const leader = ns.find((n) => n.host.peer.isEstablishedLeader)!;
    const follower = ns.find((n) => n !== leader)!;
    for (let i = 0; i < 50; i++) leader.host.withPeer((p) => p.propose(Buffer.from(`L${i}`)));
    for (let i = 0; i < 50; i++) follower.host.withPeer((p) => p.forward(Buffer.from(`F${i}`)));
    await until(() => ns.every((n) => n.applied.length === 100));
    const order = leader.applied.map((e) => e.zxid);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    for (const n of ns) {
      expect(n.applied.map((e) => e.data.toString())).toEqual(leader.applied.map((e) => e.data.toString()));
      // everything applied is durable in the node's own log
      const logged: number[] = [];
      for await (const e of n.log.read(0)) logged.push(e.zxid);
      expect(logged).toEqual(order);
    }
    // An ACKEPOCH leaves only once acceptedEpoch is on disk (ready.ts step 1 before step 3).
    const ackEpochs = net.sentWithEpoch.filter((s) => s.msg.type === 'ackepoch');
    expect(ackEpochs.length).toBeGreaterThanOrEqual(2);
    for (const s of ackEpochs) expect(s.accepted).toBe(String((s.msg as { epoch: number }).epoch));
  });
});
