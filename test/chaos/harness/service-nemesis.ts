/**
 * The service-level nemesis of the platform scenarios (enrollment, exam-schedule): while the
 * ensemble's own nemesis works on the coordinator, this one injures the service instances the way
 * production does, one fault at a time, always leaving one instance serving:
 *
 * - `instance-kill`: kill -9, restarted on the same ports after 0.5-2.5 s;
 * - `instance-pause`: SIGSTOP for 1.5-3x the session timeout (mostly the instance holding a seat
 *   pool's lock, when the scenario can say who that is), so it resumes with a lost session;
 * - `instance-link-cut`: the instance's links to every coordinator member blackholed or reset for
 *   1.5-3x the session timeout: its session expires while the process runs and serves HTTP;
 * - `stale-holder`: a database stall (the harness holds SQLite's write lock) during which seat
 *   batches sit between their pool lock and their write; the instance holding a pool lock is then
 *   SIGSTOPped past its session timeout and the stall ends, so another instance takes the lock and
 *   writes first, and the paused one resumes with an old fencing token and a decided batch. That is
 *   the write the fence must refuse; without the stall a SIGSTOP rarely lands inside a hold of a few
 *   milliseconds (0-1 holder pauses per 30 s run, none of them stale). A run's first fault is this
 *   one, so every run has at least one.
 */
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import { abortableSleep } from './nemesis.js';
import type { FleetInstance, ServiceFleet } from './service-fleet.js';
import { SqliteStall } from './sqlite-reader.js';

export const SERVICE_FAULT_KINDS = [
  'instance-kill',
  'instance-pause',
  'instance-link-cut',
  'stale-holder',
] as const;
export type ServiceFaultKind = (typeof SERVICE_FAULT_KINDS)[number];

export interface ServiceNemesisOptions {
  fleet: ServiceFleet;
  rng: SeededRng;
  sessionTimeoutMs: number;
  log: (line: string) => void;
  /** One probe: the INSTANCE_ID holding some seat pool's lock now, or undefined. */
  holderProbe?: () => Promise<string | undefined>;
  /** The services' SQLite file; without it there are no `stale-holder` faults. */
  dbPath?: string;
  /** Relative weights; default 2 kill, 2 pause, 2 link cut, 3 stale holder. */
  weights?: Partial<Record<ServiceFaultKind, number>>;
  /** Quiet time between faults, ms. Default [2000, 5000]. */
  quietMs?: readonly [number, number];
}

/** Chance that a plain pause targets a lock holder (when one is found) rather than any instance. */
const HOLDER_PAUSE_CHANCE = 0.7;
/** How long a stall waits for some batch to hold a pool lock. */
const STALL_FIND_MS = 1_500;
/** After the stall took the write lock: the writer it waited for releases its pool lock meanwhile. */
const RELEASE_SETTLE_MS = 400;

export interface ServiceNemesisStats {
  instanceKills: number;
  instancePauses: number;
  holderPauses: number;
  linkCuts: number;
  dbStalls: number;
  /** Stalls during which a pool's lock holder was found and paused (a stale holder made). */
  staleHolders: number;
}

export class ServiceNemesis {
  readonly stats: ServiceNemesisStats = {
    instanceKills: 0,
    instancePauses: 0,
    holderPauses: 0,
    linkCuts: 0,
    dbStalls: 0,
    staleHolders: 0,
  };
  private readonly rng: SeededRng;
  private readonly kinds: ServiceFaultKind[] = [];

  constructor(private readonly opts: ServiceNemesisOptions) {
    this.rng = opts.rng.fork();
    const weights = { 'instance-kill': 2, 'instance-pause': 2, 'instance-link-cut': 2, 'stale-holder': 3 };
    Object.assign(weights, opts.weights ?? {});
    for (const kind of SERVICE_FAULT_KINDS) {
      if (kind === 'stale-holder' && (opts.dbPath === undefined || opts.holderProbe === undefined)) continue;
      for (let i = 0; i < weights[kind]; i++) this.kinds.push(kind);
    }
  }

  /** Injects faults until `signal` aborts; every fault is healed before it returns. */
  async run(signal: AbortSignal): Promise<void> {
    const { fleet } = this.opts;
    const [lo, hi] = this.opts.quietMs ?? [2_000, 5_000];
    let first = true;
    while (!signal.aborted && this.kinds.length > 0) {
      await abortableSleep(this.rng.between(lo, hi), signal);
      if (signal.aborted) break;
      const up = fleet.instances.filter(isUp);
      if (up.length < 2) continue; // keep one instance serving: the audits need traffic
      // The first fault of a run makes a stale holder when it can: every run then proves the fence
      // (what the planted skip-fence-check must be caught by), the rest are drawn by weight.
      const kind = first && this.kinds.includes('stale-holder') ? 'stale-holder' : this.rng.pick(this.kinds);
      first = false;
      try {
        if (kind === 'instance-kill') await this.kill(this.rng.pick(up));
        else if (kind === 'instance-pause') await this.pause(up, signal);
        else if (kind === 'instance-link-cut') await this.cutLinks(this.rng.pick(up), signal);
        else await this.staleHolder(up, signal);
      } catch (e) {
        this.opts.log(`service nemesis: ${kind} failed: ${String(e)}`);
      }
    }
  }

  private pauseMs(): number {
    return Math.round(this.opts.sessionTimeoutMs * (1.5 + this.rng.next() * 1.5));
  }

  private async kill(target: FleetInstance): Promise<void> {
    const downMs = this.rng.between(500, 2_500);
    this.opts.log(
      `service nemesis: kill -9 ${target.id} (pid ${target.process!.pid}), restart in ${downMs} ms`,
    );
    await this.opts.fleet.killAndRestart(target, downMs);
    this.stats.instanceKills++;
  }

  private async pause(up: FleetInstance[], signal: AbortSignal): Promise<void> {
    const holder = this.rng.chance(HOLDER_PAUSE_CHANCE)
      ? await this.findHolder(up, signal, 1_500)
      : undefined;
    const victim = holder ?? this.rng.pick(up);
    const ms = this.pauseMs();
    this.opts.log(
      `service nemesis: SIGSTOP ${victim.id} (pid ${victim.process!.pid}${holder ? ', lock holder' : ''}) for ${ms} ms`,
    );
    this.stats.instancePauses++;
    if (holder) this.stats.holderPauses++;
    await this.pauseFor(victim, ms, signal);
  }

  private async cutLinks(target: FleetInstance, signal: AbortSignal): Promise<void> {
    const how = this.rng.chance(0.5) ? 'blackhole' : 'cut';
    const ms = this.pauseMs();
    this.opts.log(`service nemesis: coordinator links of ${target.id} ${how} for ${ms} ms`);
    this.opts.fleet.cutLinks(target, how);
    this.stats.linkCuts++;
    try {
      await abortableSleep(ms, signal);
    } finally {
      this.opts.fleet.healLinks(target);
    }
  }

  private async staleHolder(up: FleetInstance[], signal: AbortSignal): Promise<void> {
    const stall = await SqliteStall.open(this.opts.dbPath!);
    let victim: FleetInstance | undefined;
    try {
      await stall.begin();
      this.stats.dbStalls++;
      // BEGIN IMMEDIATE waited for the writer before us, which now holds its lock only to release it:
      // give that release time, so the holder found is one stuck between its lock and its write.
      await abortableSleep(RELEASE_SETTLE_MS, signal);
      victim = await this.findHolder(up, signal, STALL_FIND_MS);
      if (victim !== undefined) this.opts.fleet.pause(victim);
    } finally {
      await stall.close();
    }
    if (victim === undefined) {
      this.opts.log('service nemesis: database stalled, no pool lock holder found to pause');
      return;
    }
    const ms = this.pauseMs();
    this.opts.log(
      `service nemesis: database stalled, lock holder ${victim.id} (pid ${victim.process?.pid}) SIGSTOPped for ${ms} ms, stall ended`,
    );
    this.stats.staleHolders++;
    this.stats.instancePauses++;
    await this.pauseFor(victim, ms, signal, true);
  }

  /** Polls the probe until an up instance holds a pool lock (bounded). */
  private async findHolder(
    up: FleetInstance[],
    signal: AbortSignal,
    boundMs: number,
  ): Promise<FleetInstance | undefined> {
    const probe = this.opts.holderProbe;
    if (probe === undefined) return undefined;
    for (const deadline = Date.now() + boundMs; Date.now() < deadline && !signal.aborted;) {
      const id = await probe();
      const inst = up.find((u) => u.id === id && isUp(u));
      if (inst) return inst;
      await new Promise((r) => setTimeout(r, 20));
    }
    return undefined;
  }

  /** Paused for `ms` (already paused when `paused`), resumed even when the run ends meanwhile. */
  private async pauseFor(
    victim: FleetInstance,
    ms: number,
    signal: AbortSignal,
    paused = false,
  ): Promise<void> {
    if (!paused) this.opts.fleet.pause(victim);
    try {
      await abortableSleep(ms, signal);
    } finally {
      this.opts.fleet.resume(victim);
    }
  }
}

function isUp(i: FleetInstance): boolean {
  return i.process !== undefined && !i.paused && !i.linkCut && i.restarting === undefined;
}
