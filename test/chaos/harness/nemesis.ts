/**
 * The nemesis: while a workload runs, alternate quiet periods and one active fault at a time, chosen
 * from the scenario's kinds with the run's seeded rng. One fault at a time keeps every fault
 * attributable in the report and lets the ensemble regain a quorum in between, which is when the
 * interesting recoveries (sync, TRUNC, session re-establishment) happen.
 */
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import type { ChaosCluster } from './chaos-cluster.js';
import { planFault, sleep, type Fault, type FaultKind } from './faults.js';

export interface NemesisPacing {
  /** How long a fault stays injected, ms [min, max]. */
  faultMs: readonly [number, number];
  /** Quiet time between faults, ms [min, max]. */
  quietMs: readonly [number, number];
}

export const DEFAULT_PACING: NemesisPacing = { faultMs: [1500, 3500], quietMs: [800, 2000] };

/** One injected fault as the report shows it; times are ms since the nemesis started. */
export interface FaultRecord {
  kind: FaultKind;
  description: string;
  injectedAtMs: number;
  healedAtMs?: number;
  /** Set when injecting or healing threw (e.g. a restarted member did not come up in time). */
  error?: string;
}

export class Nemesis {
  readonly records: FaultRecord[] = [];
  private readonly origin = performance.now();

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly rng: SeededRng,
    private readonly kinds: readonly FaultKind[],
    private readonly pacing: NemesisPacing = DEFAULT_PACING,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Injects faults until `signal` aborts; the fault active at that moment is healed before returning. */
  async run(signal: AbortSignal): Promise<void> {
    if (this.kinds.length === 0) return;
    while (!signal.aborted) {
      await abortableSleep(this.between(this.pacing.quietMs), signal);
      if (signal.aborted) break;
      const kind = this.rng.pick(this.kinds);
      let fault: Fault;
      try {
        fault = await planFault(kind, this.cluster, this.rng);
      } catch (err) {
        this.records.push({
          kind,
          description: 'planning failed',
          injectedAtMs: this.now(),
          error: String(err),
        });
        continue;
      }
      const record: FaultRecord = { kind, description: fault.description, injectedAtMs: this.now() };
      this.records.push(record);
      this.log(`nemesis +${(record.injectedAtMs / 1000).toFixed(1)}s ${fault.description}`);
      try {
        await fault.inject();
        await abortableSleep(this.between(this.pacing.faultMs), signal);
      } catch (err) {
        record.error = `inject: ${String(err)}`;
      }
      try {
        await fault.heal();
      } catch (err) {
        record.error = `${record.error ? record.error + '; ' : ''}heal: ${String(err)}`;
      }
      record.healedAtMs = this.now();
    }
  }

  private between([min, max]: readonly [number, number]): number {
    return min + this.rng.int(Math.max(1, max - min + 1));
  }

  private now(): number {
    return Math.round(performance.now() - this.origin);
  }
}

/** Sleeps `ms`, returning early when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export { sleep };
