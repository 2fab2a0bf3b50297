/**
 * ZabPeer against the claims of the Zab paper and ZooKeeper's implementation, one claim per test.
 * Most tests drive a small fault-free simulated cluster (deterministic); a few drive a peer by hand
 * to check the Ready contract itself.
 */
import { describe, expect, it } from 'vitest';
import { SimCluster, type SimMember } from '../testing/sim-cluster.js';
import { MemoryZabLog, emptyDurableState } from '../testing/memory-zab-log.js';
import { SeededRng } from '../testing/seeded-rng.js';
import { NoLeaderError, NotLeaderError } from './errors.js';
import { PeerState, type ZabMessage } from './messages.js';
import { ZabPeer } from './zab-peer.js';
import { epochOf } from './zxid.js';

function stableCluster(voters: number, observers = 0, seed = 7): { sim: SimCluster; leader: SimMember } {
  const sim = new SimCluster({ seed, voters, observers });
  sim.runFor(
    20_000,
    () => sim.leader() !== undefined && [...sim.members.values()].every((m) => m.peer?.status.serving),
  );
  const leader = sim.leader();
  if (!leader) throw new Error('no leader established');
  return { sim, leader };
}

function bareVoter(id: number, voters: number[]): ZabPeer {
  const d = emptyDurableState();
  return new ZabPeer(
    { id, voters, observers: [], initLimitTicks: 10, syncLimitTicks: 5 },
    d,
    new MemoryZabLog(d, () => []),
    new SeededRng(id),
  );
}

describe('election and discovery', () => {
  it('elects the member with the most up-to-date history, highest id breaking ties', () => {
    const { leader } = stableCluster(3);
    expect(leader.id).toBe(3); // empty histories everywhere: the highest id wins
  });

  it('a single voter is a one-member ensemble: it leads and commits on its own persistence', () => {
    const sim = new SimCluster({ seed: 1, voters: 1 });
    sim.runFor(1000);
    const m = sim.member(1);
    expect(m.peer!.isEstablishedLeader).toBe(true);
    const z = sim.submit(1, Buffer.from('x'))!;
    expect(m.applied.length).toBe(0); // not yet durable
    sim.runFor(100);
    expect(m.applied.map((e) => e.zxid)).toEqual([z]);
  });

  it('a new leader proposes an epoch above every accepted epoch it learned', () => {
    const { sim, leader } = stableCluster(3);
    const before = leader.peer!.epoch;
    sim.crash(leader.id);
    sim.runFor(10_000, () => sim.leader() !== undefined);
    const next = sim.leader()!;
    expect(next.peer!.epoch).toBe(before + 1);
    expect(next.durable.acceptedEpoch).toBe(before + 1);
  });

  it('followers persist acceptedEpoch in the same Ready that carries their ACKEPOCH', () => {
    const f = bareVoter(1, [1, 2, 3]);
    f.ready();
    // Make 1 follow 3 through claims from the ensemble {2 following 3, 3 leading}.
    const claim = (state: PeerState): ZabMessage => ({
      type: 'vote',
      state,
      round: 1,
      vote: { leader: 3, zxid: 0, peerEpoch: 0 },
    });
    f.step(2, claim(PeerState.FOLLOWING));
    f.step(3, claim(PeerState.LEADING));
    const info = f.ready().messages.find((m) => m.msg.type === 'followerinfo');
    expect(info?.to).toBe(3);
    const syncId = (info!.msg as { syncId: number }).syncId;
    f.step(3, { type: 'leaderinfo', syncId, epoch: 4, established: false });
    const r = f.ready();
    expect(r.acceptedEpoch).toBe(4);
    expect(r.messages.map((m) => m.msg.type)).toContain('ackepoch');
  });

  it('a follower refuses an older epoch, and the same epoch from a leader it cannot trust', () => {
    const d = emptyDurableState();
    d.acceptedEpoch = 4; // accepted before a restart: from whom is forgotten
    const fresh = () =>
      new ZabPeer(
        { id: 1, voters: [1, 2, 3], observers: [], initLimitTicks: 10, syncLimitTicks: 5 },
        d,
        new MemoryZabLog(d, () => []),
        new SeededRng(9),
      );
    const offer = (epoch: number, established: boolean) => {
      const f = fresh();
      const syncId = followLeader(f, 3);
      f.step(3, { type: 'leaderinfo', syncId, epoch, established });
      const r = f.ready();
      return { state: f.state, acked: r.messages.some((m) => m.msg.type === 'ackepoch') };
    };
    expect(offer(3, true)).toEqual({ state: PeerState.LOOKING, acked: false });
    expect(offer(4, false)).toEqual({ state: PeerState.LOOKING, acked: false });
    expect(offer(4, true)).toEqual({ state: PeerState.FOLLOWING, acked: true });
    expect(offer(5, false)).toEqual({ state: PeerState.FOLLOWING, acked: true });
  });
});

/** Drives a LOOKING peer to follow `leader` (claims from the ensemble) and returns its sync nonce. */
function followLeader(p: ZabPeer, leader: number): number {
  const claim = (state: PeerState): ZabMessage => ({
    type: 'vote',
    state,
    round: 1,
    vote: { leader, zxid: 0, peerEpoch: 0 },
  });
  const other = [1, 2, 3].find((i) => i !== leader && i !== p.id)!;
  p.step(other, claim(PeerState.FOLLOWING));
  p.step(leader, claim(PeerState.LEADING));
  const info = p.ready().messages.find((m) => m.msg.type === 'followerinfo');
  if (!info || info.msg.type !== 'followerinfo') throw new Error('did not connect');
  return info.msg.syncId;
}

describe('broadcast', () => {
  it('commits only once a quorum has the proposal durable', () => {
    const { sim, leader } = stableCluster(3);
    const others = [...sim.members.values()].filter((m) => m !== leader);
    // No follower acks reach the leader (heartbeat replies repeat acks, so hold those back too).
    sim.network.filter = (d) => d.msg.type !== 'ack' && d.msg.type !== 'pong';
    const z = sim.submit(leader.id, Buffer.from('a'))!;
    sim.runFor(300);
    expect(leader.durable.entries.some((e) => e.zxid === z)).toBe(true); // leader has it durable
    expect(sim.checker.isChosen(z)).toBe(false); // but alone is not a quorum
    sim.network.filter = undefined;
    sim.runFor(300);
    expect(sim.checker.isChosen(z)).toBe(true);
    for (const m of others) expect(m.applied.at(-1)?.zxid).toBe(z);
  });

  it('pipelines proposals and commits them in zxid order', () => {
    const { sim, leader } = stableCluster(5);
    const zxids = Array.from({ length: 50 }, (_, i) => sim.submit(leader.id, Buffer.from(`t${i}`))!);
    expect(zxids).toEqual([...zxids].sort((a, b) => a - b));
    expect(new Set(zxids.map(epochOf))).toEqual(new Set([leader.peer!.epoch]));
    sim.runFor(500);
    for (const m of sim.members.values()) {
      const applied = m.applied.map((e) => e.zxid);
      expect(applied.slice(-50)).toEqual(zxids);
    }
  });

  it('one persisted() covering many proposals yields a single cumulative ACK', () => {
    const { sim, leader } = stableCluster(3);
    const follower = [...sim.members.values()].find((m) => m !== leader)!;
    const acks: number[] = [];
    sim.network.filter = (d) => {
      if (d.from === follower.id && d.msg.type === 'ack') acks.push(d.msg.zxid);
      return true;
    };
    const zs = [1, 2, 3, 4, 5].map((i) => sim.submit(leader.id, Buffer.from(`b${i}`))!);
    sim.runFor(500);
    expect(acks.at(-1)).toBe(zs.at(-1));
    expect(acks.length).toBeLessThan(zs.length); // group commit: fewer acks than proposals
  });

  it('propose on a non-leader throws NotLeaderError; forward from a follower reaches the leader', () => {
    const { sim, leader } = stableCluster(3);
    const follower = [...sim.members.values()].find((m) => m !== leader)!;
    expect(() => follower.peer!.propose(Buffer.from('x'))).toThrow(NotLeaderError);
    sim.submit(follower.id, Buffer.from('via-follower'));
    sim.runFor(500);
    expect(leader.applied.at(-1)?.data.toString()).toBe('via-follower');
    expect(follower.applied.at(-1)?.data.toString()).toBe('via-follower');
  });

  it('observers get commits through INFORM, never ack and never count for the quorum', () => {
    const { sim, leader } = stableCluster(3, 1);
    const observer = sim.member(4);
    expect(observer.peer!.state).toBe(PeerState.OBSERVING);
    const sentByObserver: string[] = [];
    sim.network.filter = (d) => {
      if (d.from === 4) sentByObserver.push(d.msg.type);
      return true;
    };
    const z = sim.submit(leader.id, Buffer.from('o'))!;
    sim.runFor(500);
    expect(observer.applied.at(-1)?.zxid).toBe(z);
    expect(sentByObserver).not.toContain('ack');
    // With both followers silenced the leader cannot commit, whatever the observer does.
    sim.network.filter = (d) => d.msg.type !== 'ack' && d.msg.type !== 'pong';
    const z2 = sim.submit(leader.id, Buffer.from('o2'))!;
    sim.runFor(300);
    expect(sim.checker.isChosen(z2)).toBe(false);
  });
});

describe('heartbeats and failure detection', () => {
  it('a follower that hears nothing for syncLimit ticks goes back to LOOKING', () => {
    const { sim, leader } = stableCluster(3);
    const follower = [...sim.members.values()].find((m) => m !== leader)!;
    sim.network.filter = (d) => d.to !== follower.id;
    sim.runFor(5 * 100 + 250); // syncLimit = 5 ticks of 100
    expect(follower.peer!.state).not.toBe(PeerState.FOLLOWING);
  });

  it('a leader that lacks a quorum of live followers for syncLimit ticks steps down', () => {
    const { sim, leader } = stableCluster(3);
    sim.network.partition([[leader.id], [...sim.members.keys()].filter((i) => i !== leader.id)]);
    sim.runFor(200);
    expect(leader.peer!.isEstablishedLeader).toBe(true); // not yet
    sim.runFor(700);
    expect(leader.peer!.isEstablishedLeader).toBe(false);
    expect(() => leader.peer!.propose(Buffer.from('late'))).toThrow(NotLeaderError);
  });
});

describe('sync', () => {
  it('a follower answers sync only after applying what the leader had committed', () => {
    const { sim, leader } = stableCluster(3);
    const follower = [...sim.members.values()].find((m) => m !== leader)!;
    // Hold back COMMITs to the follower: it has the proposal but cannot apply it yet.
    sim.network.filter = (d) => !(d.to === follower.id && (d.msg.type === 'commit' || d.msg.type === 'ping'));
    const z = sim.submit(leader.id, Buffer.from('s'))!;
    sim.runFor(300);
    expect(sim.checker.isChosen(z)).toBe(true);
    expect(follower.applied.at(-1)?.zxid).not.toBe(z);
    follower.peer!.sync(41);
    sim.drain(follower);
    sim.runFor(300);
    expect(follower.syncsDone).not.toContain(41);
    sim.network.filter = undefined;
    sim.submit(leader.id, Buffer.from('s2')); // a later COMMIT covers z
    sim.runFor(300);
    expect(follower.syncsDone).toContain(41);
    expect(follower.applied.some((e) => e.zxid === z)).toBe(true);
  });

  it('a leader cut off from its quorum never answers a sync; planted syncWithoutQuorum answers at once', () => {
    for (const planted of [false, true]) {
      const sim = new SimCluster({
        seed: 7,
        voters: 3,
        ...(planted ? { unsafe: { syncWithoutQuorum: true } } : {}),
      });
      sim.runFor(
        20_000,
        () => sim.leader() !== undefined && [...sim.members.values()].every((m) => m.peer?.status.serving),
      );
      const leader = sim.leader()!;
      leader.peer!.sync(5);
      sim.drain(leader);
      sim.runFor(300);
      expect(leader.syncsDone).toContain(5); // with its quorum: answered either way
      sim.network.partition([[leader.id], [...sim.members.keys()].filter((i) => i !== leader.id)]);
      leader.peer!.sync(6);
      sim.drain(leader);
      sim.runFor(200);
      expect(leader.peer!.isEstablishedLeader).toBe(true); // it has not noticed yet
      // Answering here is what lets a deposed leader serve a stale sync+read (Jepsen on ZooKeeper).
      expect(leader.syncsDone.includes(6)).toBe(planted);
    }
  });

  it('sync is refused by a member that is not serving', () => {
    const sim = new SimCluster({ seed: 3, voters: 3 });
    expect(() => sim.member(1).peer!.sync(1)).toThrow(NoLeaderError);
    expect(() => sim.member(1).peer!.forward(Buffer.from('x'))).toThrow(NoLeaderError);
  });
});
