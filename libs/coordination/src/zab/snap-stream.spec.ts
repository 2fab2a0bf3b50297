/**
 * SNAP as a stream (the leader's snapshot in bounded snap-chunk pieces ahead of its NEWLEADER), on
 * the deterministic simulator with every invariant checked after every step. The claims: Zab's
 * order holds (the whole snapshot, then NEWLEADER with the suffix after the snapshot's zxid, then
 * the proposals made while it streamed); a stream cut anywhere is never installed in part, and the
 * learner starts a fresh attempt that succeeds.
 */
import { describe, expect, it } from 'vitest';
import { SimCluster, type SimMember } from '../testing/sim-cluster.js';
import type { Delivery } from '../testing/sim-network.js';

function settle(sim: SimCluster, limit = 30_000): SimMember {
  sim.runFor(limit, () => {
    const l = sim.leader();
    return l !== undefined && [...sim.members.values()].every((m) => !m.up || m.peer!.status.serving);
  });
  const leader = sim.leader();
  expect(leader, 'a leader is established').toBeDefined();
  return leader!;
}

function expectClean(sim: SimCluster): void {
  expect(sim.checker.violations, JSON.stringify(sim.checker.violations, null, 2)).toEqual([]);
}

/** A lagging member behind a compacted log (only a SNAP can bring it back), not yet restarted. */
function laggingBehindSnapshot(seed: number): { sim: SimCluster; leader: SimMember; lagging: number } {
  const sim = new SimCluster({ seed, voters: 3 });
  const leader = settle(sim);
  const lagging = [...sim.members.keys()].find((i) => i !== leader.id)!;
  sim.crash(lagging);
  // ~100 entries of 24 bytes: the snapshot spans several 512-byte pieces in the simulator
  for (let i = 0; i < 100; i++)
    sim.submit(leader.id, Buffer.from(`while-down-${String(i).padStart(13, '0')}`));
  sim.runFor(1000);
  for (const id of sim.members.keys()) sim.compact(id);
  expect(leader.durable.entries).toEqual([]);
  return { sim, leader, lagging };
}

/** What the leader sends to `to`, in send order (the simulated links are FIFO). */
function recordTo(sim: SimCluster, to: number, veto?: (d: Delivery) => boolean): Delivery[] {
  const seen: Delivery[] = [];
  sim.network.filter = (d) => {
    if (d.to !== to || d.msg.type === 'vote') return true;
    if (veto?.(d)) return false;
    seen.push(d);
    return true;
  };
  return seen;
}

describe('SNAP streamed in pieces', () => {
  it('sends the whole snapshot, then NEWLEADER, then the proposals made while it streamed', () => {
    const { sim, leader, lagging } = laggingBehindSnapshot(21);
    const seen = recordTo(sim, lagging);
    let during: number[] = [];
    const origFilter = sim.network.filter!;
    sim.network.filter = (d) => {
      // On the first piece, schedule proposals right away: they are made while the stream runs.
      if (d.msg.type === 'snap-chunk' && d.msg.seq === 0 && during.length === 0) {
        sim.at(sim.now + 1, () => {
          during = [1, 2, 3].map((i) => sim.submit(leader.id, Buffer.from(`during-${i}`))!);
        });
      }
      return origFilter(d);
    };
    sim.restart(lagging);
    settle(sim);
    const marker = sim.submit(leader.id, Buffer.from('marker'))!;
    sim.runFor(5000, () => sim.appliedEverywhere(marker));
    expect(sim.appliedEverywhere(marker)).toBe(true);
    expectClean(sim);

    const kinds = seen.map((d) => d.msg.type);
    const firstNewLeader = kinds.indexOf('newleader');
    const pieces = seen.filter((d) => d.msg.type === 'snap-chunk');
    expect(pieces.length).toBeGreaterThan(2);
    // every piece before NEWLEADER, numbered from 0, only the final one marked last
    expect(kinds.lastIndexOf('snap-chunk')).toBeLessThan(firstNewLeader);
    pieces.forEach((d, i) => {
      if (d.msg.type !== 'snap-chunk') throw new Error('unreachable');
      expect([d.msg.seq, d.msg.last]).toEqual([i, i === pieces.length - 1]);
    });
    const nl = seen[firstNewLeader]!.msg;
    if (nl.type !== 'newleader') throw new Error('unreachable');
    expect(nl.mode).toBe('snap');
    // NEWLEADER carries the suffix planned with the snapshot; the in-flight proposals follow it
    expect(during).toHaveLength(3);
    for (const z of during) expect(nl.entries.some((e) => e.zxid === z)).toBe(false);
    const proposedAfter = seen
      .slice(firstNewLeader + 1)
      .flatMap((d) => (d.msg.type === 'proposal' ? [d.msg.entry.zxid] : []));
    expect(proposedAfter.slice(0, 3)).toEqual(during);
    const applied = sim.member(lagging).applied.map((e) => e.zxid);
    for (const z of during) expect(applied).toContain(z);
    expect(sim.stats.snaps).toBe(1);
  });

  it.each([
    ['a middle piece', (seq: number, last: boolean) => seq === 2 && !last],
    ['the last piece', (_seq: number, last: boolean) => last],
  ])('a stream that lost %s is never installed; a fresh attempt is', (_what, lose) => {
    const { sim, leader, lagging } = laggingBehindSnapshot(22);
    let lost = 0;
    const seen = recordTo(sim, lagging, (d) => {
      if (d.msg.type !== 'snap-chunk' || lost > 0 || !lose(d.msg.seq, d.msg.last)) return false;
      lost++;
      return true;
    });
    sim.restart(lagging);
    settle(sim);
    const marker = sim.submit(leader.id, Buffer.from('marker'))!;
    sim.runFor(5000, () => sim.appliedEverywhere(marker));
    expect(sim.appliedEverywhere(marker)).toBe(true);
    expectClean(sim);
    expect(lost).toBe(1);
    const attempts = new Set(seen.flatMap((d) => (d.msg.type === 'snap-chunk' ? [d.msg.syncId] : [])));
    expect(attempts.size).toBe(2);
    // one install only: the complete stream of the second attempt
    expect(sim.stats.snaps).toBe(1);
    const [first] = attempts;
    expect(leader.peer!.snapshotStreamWanted(lagging, first!)).toBe(false);
    const seqs = sim.member(lagging).applied.map((e) => `${e.zxid}:${e.data}`);
    expect(seqs).toEqual(leader.applied.map((e) => `${e.zxid}:${e.data}`));
  });

  it('a leader that gives up a stream (its link to the learner broke) frees it; the learner retries after initLimit', () => {
    const { sim, leader, lagging } = laggingBehindSnapshot(23);
    let broke = false;
    const seen = recordTo(sim, lagging, (d) => {
      if (d.msg.type === 'snap-chunk' && !broke) {
        broke = true;
        sim.at(sim.now + 1, () => {
          leader.peer!.linkLost(lagging);
          sim.drain(leader);
        });
      }
      return false;
    });
    sim.restart(lagging);
    settle(sim);
    const marker = sim.submit(leader.id, Buffer.from('marker'))!;
    sim.runFor(5000, () => sim.appliedEverywhere(marker));
    expect(sim.appliedEverywhere(marker)).toBe(true);
    expectClean(sim);
    const attempts = [...new Set(seen.flatMap((d) => (d.msg.type === 'snap-chunk' ? [d.msg.syncId] : [])))];
    expect(attempts).toHaveLength(2);
    // the first attempt got no NEWLEADER: the stream was abandoned before snapshotSent
    const newLeaders = seen.flatMap((d) => (d.msg.type === 'newleader' ? [d.msg.syncId] : []));
    expect(newLeaders).toEqual([attempts[1]]);
    expect(sim.stats.snaps).toBe(1);
  });
});
