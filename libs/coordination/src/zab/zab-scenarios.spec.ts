/**
 * Named failure scenarios, each scripted on the deterministic simulator with every invariant
 * checked after every step (testing/invariants.ts), plus scenario-specific assertions.
 */
import { describe, expect, it } from 'vitest';
import { SimCluster, type SimMember } from '../testing/sim-cluster.js';
import { PeerState } from './messages.js';
import { epochOf } from './zxid.js';

function settle(sim: SimCluster, limit = 30_000): SimMember {
  sim.runFor(limit, () => {
    const l = sim.leader();
    return l !== undefined && [...sim.members.values()].every((m) => !m.up || m.peer!.status.serving);
  });
  const leader = sim.leader();
  expect(leader, 'a leader is established').toBeDefined();
  return leader!;
}

/** Proposes `n` txns on the leader and lets them commit everywhere. */
function commitSome(sim: SimCluster, n: number, tag: string): number[] {
  const leader = sim.leader()!;
  const zs = Array.from({ length: n }, (_, i) => sim.submit(leader.id, Buffer.from(`${tag}${i}`))!);
  sim.runFor(1000);
  return zs;
}

function expectClean(sim: SimCluster): void {
  expect(sim.checker.violations, JSON.stringify(sim.checker.violations, null, 2)).toEqual([]);
}

/** After healing: every member up applied exactly the same sequence. */
function expectConverged(sim: SimCluster): void {
  const marker = sim.submit(sim.leader()!.id, Buffer.from('marker'))!;
  sim.runFor(5000, () => sim.appliedEverywhere(marker));
  expect(sim.appliedEverywhere(marker)).toBe(true);
  const seqs = [...sim.members.values()].map((m) => m.applied.map((e) => `${e.zxid}:${e.data}`).join(','));
  expect(new Set(seqs).size).toBe(1);
}

describe('named scenarios', () => {
  it('leader crashes after proposing to a minority: the txn ends up everywhere or nowhere', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const sim = new SimCluster({ seed, voters: 5 });
      const leader = settle(sim);
      commitSome(sim, 3, 'pre');
      const [lucky] = [...sim.members.keys()].filter((i) => i !== leader.id);
      // Proposals from the leader reach only one follower (a minority with the leader).
      sim.network.filter = (d) => !(d.from === leader.id && d.msg.type === 'proposal' && d.to !== lucky);
      const x = sim.submit(leader.id, Buffer.from('minority'))!;
      sim.runFor(200);
      expect(sim.member(lucky!).isDurable(x)).toBe(true);
      expect(sim.checker.isChosen(x)).toBe(false);
      sim.crash(leader.id);
      sim.network.filter = undefined;
      settle(sim);
      sim.restart(leader.id);
      settle(sim);
      expectConverged(sim);
      expectClean(sim);
      const holders = [...sim.members.values()].filter((m) => m.applied.some((e) => e.zxid === x)).length;
      expect([0, 5]).toContain(holders);
    }
  });

  it('a follower with extra uncommitted txns from an old epoch is TRUNCated', () => {
    const sim = new SimCluster({ seed: 11, voters: 3 });
    const old = settle(sim);
    commitSome(sim, 3, 'pre');
    const others = [...sim.members.keys()].filter((i) => i !== old.id);
    sim.network.partition([[old.id], others]);
    const stray = [1, 2, 3].map((i) => sim.submit(old.id, Buffer.from(`stray${i}`))!); // accepted: it still leads
    sim.runFor(200);
    expect(stray.every((z) => old.isDurable(z))).toBe(true);
    const oldEpoch = old.peer!.epoch;
    sim.runFor(10_000, () => (sim.leader()?.peer!.epoch ?? 0) > oldEpoch);
    const fresh = sim.leader()!; // the majority elected a new leader in a newer epoch
    expect(fresh.id).not.toBe(old.id);
    expect(old.peer!.isEstablishedLeader).toBe(false);
    commitSome(sim, 3, 'new');
    const truncsBefore = sim.stats.truncs;
    sim.network.heal();
    settle(sim);
    expectConverged(sim);
    expectClean(sim);
    expect(sim.stats.truncs).toBeGreaterThan(truncsBefore);
    for (const z of stray) {
      expect(sim.checker.isChosen(z)).toBe(false);
      expect(old.durable.entries.some((e) => e.zxid === z)).toBe(false);
    }
  });

  it('two members restart with different last zxids: the longer history leads, nothing committed is lost', () => {
    const sim = new SimCluster({ seed: 5, voters: 3 });
    const leader = settle(sim);
    commitSome(sim, 2, 'pre');
    const [ahead, behind] = [...sim.members.keys()].filter((i) => i !== leader.id) as [number, number];
    sim.network.filter = (d) => !(d.to === behind && d.msg.type === 'proposal');
    const committed = commitSome(sim, 4, 'mid'); // leader + `ahead` are a quorum
    expect(committed.every((z) => sim.checker.isChosen(z))).toBe(true);
    for (const id of sim.members.keys()) sim.crash(id);
    sim.network.filter = undefined;
    expect(sim.member(ahead).durable.entries.at(-1)!.zxid).toBeGreaterThan(
      sim.member(behind).durable.entries.at(-1)?.zxid ?? 0,
    );
    sim.restart(behind);
    sim.restart(ahead);
    const next = settle(sim);
    expect(next.id).toBe(ahead);
    for (const z of committed) expect(sim.member(behind).applied.some((e) => e.zxid === z)).toBe(true);
    sim.restart(leader.id);
    settle(sim);
    expectConverged(sim);
    expectClean(sim);
  });

  it('a partitioned old leader keeps trying to commit: nothing it proposes alone commits, and it steps down', () => {
    const sim = new SimCluster({ seed: 21, voters: 5, observers: 1 });
    const old = settle(sim);
    commitSome(sim, 3, 'pre');
    const rest = [...sim.members.keys()].filter((i) => i !== old.id);
    const buddy = rest.find((i) => !sim.member(i).observer)!;
    // The old leader keeps one follower: 2 of 5 voters is not a quorum.
    sim.network.partition([[old.id, buddy], rest.filter((i) => i !== buddy)]);
    const attempts: number[] = [];
    let steppedDownAt: number | undefined;
    const start = sim.now;
    const hammer = () => {
      if (old.peer?.isEstablishedLeader) {
        const z = sim.submit(old.id, Buffer.from(`lonely${attempts.length}`));
        if (z !== undefined) attempts.push(z);
      } else if (steppedDownAt === undefined) steppedDownAt = sim.now;
      if (sim.now < start + 5000) sim.at(sim.now + 20, hammer);
    };
    sim.at(sim.now + 1, hammer);
    sim.runFor(5000);
    expect(attempts.length).toBeGreaterThan(5);
    expect(steppedDownAt, 'old leader stepped down').toBeDefined();
    expect(steppedDownAt! - start).toBeLessThanOrEqual((5 + 2) * 100); // syncLimit ticks (+ tick phase)
    const fresh = sim.leader()!;
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.peer!.epoch).toBeGreaterThan(epochOf(attempts[0]!));
    commitSome(sim, 3, 'majority');
    sim.network.heal();
    settle(sim);
    expectConverged(sim);
    expectClean(sim);
    for (const z of attempts) expect(sim.checker.isChosen(z)).toBe(false);
    expect(old.peer!.state).toBe(PeerState.FOLLOWING);
  });

  it("a member behind the leader's compacted log is brought back with a SNAP", () => {
    const sim = new SimCluster({ seed: 8, voters: 3, observers: 1 });
    const leader = settle(sim);
    const lagging = [...sim.members.keys()].find((i) => i !== leader.id)!;
    sim.crash(lagging);
    commitSome(sim, 10, 'while-down');
    for (const id of sim.members.keys()) sim.compact(id); // snapshot + drop the log
    expect(leader.durable.entries).toEqual([]);
    sim.restart(lagging);
    settle(sim);
    expectConverged(sim);
    expectClean(sim);
    expect(sim.stats.snaps).toBeGreaterThan(0);
    expect(sim.member(lagging).durable.base).toBeGreaterThan(0);
  });
});
