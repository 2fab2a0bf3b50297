/**
 * Run by peer-links.spec.ts in a child process: uses the links the busy way (three members, a
 * never-started one being redialled, an inbound caller that never says hello), stops everything,
 * prints the handles still open, and must then exit on its own.
 */
import { connect } from 'node:net';

import { PeerLinks } from './peer-links.js';
import { HOST, isVote, memberTable, proposal, waitFor } from './peer-links.test-support.js';

const peers = await memberTable([1, 2, 3, 4]);
const all = [1, 2, 3].map(
  (myId) =>
    new PeerLinks({
      myId,
      peers,
      isElectionMessage: isVote,
      reconnectMinMs: 5,
      reconnectMaxMs: 20,
      rng: Math.random,
      now: Date.now,
    }),
);
let delivered = 0;
for (const l of all) l.on('message', () => delivered++);
await Promise.all(all.map((l) => l.start()));
for (const l of all) for (const to of [1, 2, 3, 4]) l.send(to, proposal(1));
all[0]!.send(2, { type: 'vote', state: 0, round: 1, vote: { leader: 1, zxid: 1, peerEpoch: 1 } });
const silent = connect({ host: HOST, port: peers[0]!.quorumPort });
silent.on('error', () => {});
await waitFor(() => delivered === 7, 'deliveries');
await new Promise((r) => setTimeout(r, 50)); // member 4 is being redialled now
await Promise.all(all.map((l) => l.stop()));
const stoppedAt = Date.now();
await new Promise((r) => setImmediate(r));
const resources = process.getActiveResourcesInfo();
process.on('exit', () => {
  console.log(JSON.stringify({ resources, delivered, msSinceStop: Date.now() - stoppedAt }));
});
