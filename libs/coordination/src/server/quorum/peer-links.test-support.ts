/**
 * Helpers for the peer-links specs: free loopback ports, a member table, waiting, and one sample
 * message of every ZAB type. Test-only; nothing in the product imports this.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';

import type { ZabMessage } from '../../zab/messages.js';
import type { PeerAddress } from './peer-links.js';

export const HOST = '127.0.0.1';

/** `n` ports that were free a moment ago on 127.0.0.1 (all bound at once, so they are distinct). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, HOST, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Addresses on 127.0.0.1 with fresh ports for the given member ids. */
export async function memberTable(ids: number[]): Promise<PeerAddress[]> {
  const ports = await freePorts(ids.length * 2);
  return ids.map((id, i) => ({ id, host: HOST, quorumPort: ports[2 * i]!, electionPort: ports[2 * i + 1]! }));
}

export const isVote = (m: ZabMessage): boolean => m.type === 'vote';

/** Polls `cond` every 5 ms; rejects naming `what` after `ms`. */
export async function waitFor(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function proposal(zxid: number, dataBytes = 8): ZabMessage {
  return { type: 'proposal', epoch: 3, entry: { zxid, data: Buffer.alloc(dataBytes, zxid % 251) } };
}

/** One message of each of the 16 ZAB message types. */
export function oneOfEachType(): ZabMessage[] {
  const entries = [
    { zxid: 0x300000001, data: Buffer.from('a') },
    { zxid: 0x300000002, data: Buffer.from('bc') },
  ];
  return [
    { type: 'vote', state: 0, round: 7, vote: { leader: 3, zxid: 0x200000005, peerEpoch: 2 } },
    { type: 'followerinfo', syncId: 11, acceptedEpoch: 2, observer: false },
    { type: 'leaderinfo', syncId: 11, epoch: 3, established: true },
    { type: 'ackepoch', syncId: 11, epoch: 3, currentEpoch: 2, lastZxid: 0x200000005 },
    {
      type: 'newleader',
      syncId: 11,
      epoch: 3,
      mode: 'snap',
      fromZxid: 0x200000001,
      truncTo: 0,
      snapshotZxid: 0x200000005,
      entries,
      commitZxid: 0x200000005,
    },
    {
      type: 'snap-chunk',
      syncId: 11,
      epoch: 3,
      zxid: 0x200000005,
      seq: 0,
      last: true,
      data: Buffer.from('snapshot-bytes'),
    },
    { type: 'ack-newleader', syncId: 11, epoch: 3, zxid: 0x300000000 },
    { type: 'uptodate', syncId: 11, epoch: 3, commitZxid: 0x300000000 },
    { type: 'proposal', epoch: 3, entry: entries[0]! },
    { type: 'ack', epoch: 3, zxid: 0x300000001 },
    { type: 'commit', epoch: 3, zxid: 0x300000001 },
    { type: 'inform', epoch: 3, entries },
    { type: 'ping', epoch: 3, commitZxid: 0x300000001 },
    { type: 'pong', epoch: 3, ackZxid: 0x300000001 },
    { type: 'request', epoch: 3, data: Buffer.from([1, 2, 3]) },
    { type: 'sync-request', epoch: 3, requestId: 9 },
    { type: 'sync-reply', epoch: 3, requestId: 9, zxid: 0x300000001 },
  ];
}
