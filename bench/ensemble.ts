/**
 * Ensemble benchmark: a 3-member Registrar ensemble and a 3-member Apache ZooKeeper 3.8 ensemble on
 * loopback, driven by the same client (ours) with sessions spread evenly over the members.
 *
 * Throughput: closed-loop workloads (bench/workloads.ts) and lock hand-offs (bench/recipes.ts).
 * Failover: writers run; the leader (the member whose `srvr` says "Mode: leader") gets SIGKILL; the
 * failover time is from the kill to the first write *issued after the kill* that the client sees
 * acknowledged. With 3 members a write issued after the leader died can only commit once the two
 * survivors have elected a new leader and synced, so that write marks the end of the outage as a
 * client sees it. The killed member is then restarted and the cycle repeats.
 */
import { performance } from 'node:perf_hooks';
import Table from 'cli-table3';
import { ZooKeeperClient } from '../libs/coordination/src/client/zookeeper-client.js';
import type { Ensemble } from '../test/support/ensemble.js';
import { fourLetterWord } from '../test/support/four-letter-word.js';
import { sampleProcess, type ProcessSample } from './process-stats.js';
import type { LockBenchResult } from './recipes.js';
import { ROOT, VALUE } from './workloads.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The connect string with member `first` listed first. Every member stays listed, so a session moves
 * on when its member dies.
 */
export function rotatedConnectString(ens: Ensemble, first: number): string {
  const n = ens.members.length;
  return Array.from({ length: n }, (_, k) => ens.members[(first + k) % n]!)
    .map((m) => `127.0.0.1:${m.clientPort}`)
    .join(',');
}

/**
 * Session `i` of a spread: connected first to member i mod n. The client shuffles its host list with
 * its rng (Fisher-Yates); an rng just below 1 makes every swap a no-op, so the rotated order stands
 * and sessions land evenly instead of by chance. Reconnect backoff is kept short so the failover
 * figure measures the servers, not the client's retry pauses (same client settings for both servers).
 */
export function connectSpread(ens: Ensemble, i: number): Promise<ZooKeeperClient> {
  return ZooKeeperClient.connect(rotatedConnectString(ens, i % ens.members.length), {
    sessionTimeout: 30_000,
    initialConnectTimeout: 60_000,
    rng: () => 0.999_999,
    retry: { baseBackoffMs: 10, maxBackoffMs: 100 },
  });
}

/** `n` sessions spread over the members. */
export function connectAllSpread(ens: Ensemble, n: number): Promise<ZooKeeperClient[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => connectSpread(ens, i)));
}

/** The mode a running member reports in `srvr` ('leader', 'follower', ...), or undefined. */
async function modeOf(port: number): Promise<string | undefined> {
  try {
    const text = await fourLetterWord(port, 'srvr', '127.0.0.1', 2000);
    return /^Mode: (\S+)/m.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Index of the leader once exactly one running member says "Mode: leader" and every other running
 * member says "Mode: follower".
 */
export async function waitForLeader(ens: Ensemble, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: (string | undefined)[] = [];
  while (Date.now() < deadline) {
    last = await Promise.all(
      ens.members.map((m) => (m.running ? modeOf(m.clientPort) : Promise.resolve('down'))),
    );
    const leaders = last.filter((m) => m === 'leader').length;
    if (leaders === 1 && last.every((m) => m === 'leader' || m === 'follower' || m === 'down'))
      return last.indexOf('leader');
    await sleep(100);
  }
  throw new Error(`no single leader within ${timeoutMs} ms; modes: ${JSON.stringify(last)}`);
}

/** CPU and peak RSS of each member over a phase (pids sampled at the start). */
export interface MemberResources {
  id: number;
  cpuMs: number;
  peakRssBytes: number;
}

/** Samples every member; pass the result to {@link membersDelta} at the end of the phase. */
export function sampleMembers(ens: Ensemble): { id: number; pid: number; sample: ProcessSample }[] {
  return ens.members.map((m) => ({
    id: m.id,
    pid: m.pid,
    sample: sampleProcess(m.pid) ?? { cpuMs: 0, rssBytes: 0, peakRssBytes: 0 },
  }));
}

export function membersDelta(before: ReturnType<typeof sampleMembers>): MemberResources[] {
  return before.map((b) => {
    const now = sampleProcess(b.pid);
    return { id: b.id, cpuMs: now ? now.cpuMs - b.sample.cpuMs : 0, peakRssBytes: now?.peakRssBytes ?? 0 };
  });
}

/** One failover: which member led, and ms from SIGKILL to the first acknowledged write issued after it. */
export interface FailoverSample {
  killedMember: number;
  ms: number;
}

/**
 * Kill -9 the leader under a write load `failovers` times, restarting the killed member (and waiting
 * for a settled leader/followers again) between rounds. `clients` are the writers.
 */
export async function measureFailovers(
  ens: Ensemble,
  clients: ZooKeeperClient[],
  failovers: number,
  onRound: (round: number) => void = () => undefined,
): Promise<FailoverSample[]> {
  const samples: FailoverSample[] = [];
  await Promise.all(clients.map((c, s) => c.create(`${ROOT}/failover-s${s}`, VALUE).catch(() => undefined)));
  for (let round = 0; round < failovers; round++) {
    onRound(round);
    const leader = await waitForLeader(ens);
    let stop = false;
    let killAt = Number.POSITIVE_INFINITY;
    let firstAckAfterKill = Number.POSITIVE_INFINITY;
    const writers = clients.map(async (c, s) => {
      while (!stop) {
        const t0 = performance.now();
        try {
          await c.setData(`${ROOT}/failover-s${s}`, VALUE);
          const t1 = performance.now();
          if (t0 >= killAt && t1 < firstAckAfterKill) firstAckAfterKill = t1;
        } catch {
          // Connection loss / not serving during the election: try again at once (the client's
          // own reconnect backoff paces it).
          await sleep(2);
        }
      }
    });
    await sleep(1000); // writes flowing through the leader
    killAt = performance.now();
    await ens.kill(leader, 'SIGKILL');
    const deadline = killAt + 120_000;
    while (firstAckAfterKill === Number.POSITIVE_INFINITY && performance.now() < deadline) await sleep(5);
    stop = true;
    await Promise.all(writers);
    if (firstAckAfterKill === Number.POSITIVE_INFINITY)
      throw new Error(`round ${round}: no write acknowledged within 120 s of killing member ${leader + 1}`);
    samples.push({ killedMember: ens.members[leader]!.id, ms: firstAckAfterKill - killAt });
    await ens.restart(leader);
    await waitForLeader(ens);
  }
  return samples;
}

export interface EnsembleRunExtras {
  lock: LockBenchResult;
  members: MemberResources[];
  failovers: FailoverSample[];
}

const mb = (b: number) => (b / 1048576).toFixed(0);
const ms = (us: number) => (us / 1000).toFixed(2);
const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));

/** min / median / max of a list of numbers. */
export function minMedianMax(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return { min: NaN, median: NaN, max: NaN };
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}

/** Lock hand-offs of both servers with the ratio us/ZooKeeper. */
export function renderEnsembleLockTable(ours: LockBenchResult, zk: LockBenchResult): string {
  const t = new Table({
    head: ['lock', 'registrar', 'zookeeper', 'ratio us/zk'],
  });
  const perS = (r: LockBenchResult) => r.handoff.totalCount / r.seconds;
  t.push(['hand-offs/s', perS(ours).toFixed(0), perS(zk).toFixed(0), ratio(perS(ours), perS(zk))]);
  t.push([
    'acquisitions/s',
    (ours.acquisitions / ours.seconds).toFixed(0),
    (zk.acquisitions / zk.seconds).toFixed(0),
    ratio(ours.acquisitions / ours.seconds, zk.acquisitions / zk.seconds),
  ]);
  for (const p of [50, 99]) {
    const a = ours.handoff.getValueAtPercentile(p);
    const b = zk.handoff.getValueAtPercentile(p);
    t.push([`hand-off p${p} ms`, ms(a), ms(b), ratio(a, b)]);
  }
  return t.toString();
}

/** Per-member CPU and peak RSS, with sums and maxima. */
export function renderMemberTable(
  runs: { server: string; members: MemberResources[]; ops: number }[],
): string {
  const t = new Table({ head: ['server', 'member', 'CPU s', 'CPU ms per 1k ops', 'peak RSS MB'] });
  for (const run of runs) {
    for (const m of run.members) {
      t.push([
        run.server,
        String(m.id),
        (m.cpuMs / 1000).toFixed(1),
        run.ops ? ((m.cpuMs / run.ops) * 1000).toFixed(1) : 'n/a',
        mb(m.peakRssBytes),
      ]);
    }
    const cpu = run.members.reduce((a, m) => a + m.cpuMs, 0);
    const rssSum = run.members.reduce((a, m) => a + m.peakRssBytes, 0);
    const rssMax = Math.max(...run.members.map((m) => m.peakRssBytes));
    t.push([
      run.server,
      'sum',
      (cpu / 1000).toFixed(1),
      run.ops ? ((cpu / run.ops) * 1000).toFixed(1) : 'n/a',
      mb(rssSum),
    ]);
    t.push([
      run.server,
      'max',
      (Math.max(...run.members.map((m) => m.cpuMs)) / 1000).toFixed(1),
      '',
      mb(rssMax),
    ]);
  }
  return t.toString();
}

/** Failover min/median/max per server, and the ratio of medians. */
export function renderFailoverTable(ours: FailoverSample[], zk: FailoverSample[]): string {
  const t = new Table({
    head: [
      'failover (kill -9 leader -> first ack)',
      'runs',
      'min ms',
      'median ms',
      'max ms',
      'each ms (killed member)',
    ],
  });
  for (const [name, xs] of [
    ['registrar', ours],
    ['zookeeper', zk],
  ] as const) {
    const s = minMedianMax(xs.map((x) => x.ms));
    t.push([
      name,
      String(xs.length),
      s.min.toFixed(0),
      s.median.toFixed(0),
      s.max.toFixed(0),
      xs.map((x) => `${x.ms.toFixed(0)} (${x.killedMember})`).join(', '),
    ]);
  }
  const a = minMedianMax(ours.map((x) => x.ms)).median;
  const b = minMedianMax(zk.map((x) => x.ms)).median;
  t.push(['median ratio us/zk', '', '', ratio(a, b), '', '']);
  return t.toString();
}
