/**
 * What a chaos scenario is: a workload against a faulted ensemble, and the checks that turn its
 * recorded history and final state into anomalies. A scenario file exports one {@link Scenario};
 * adding a service-level scenario (course enrollment under faults) is one more such file and one line
 * in scenarios/index.ts.
 */
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import type { HistoryRecorder } from '../history/recorder.js';
import type { ChaosCluster } from './chaos-cluster.js';
import type { FaultKind } from './faults.js';
import type { NemesisPacing } from './nemesis.js';

/** Something the checks found that must not happen on correct code. */
export interface Anomaly {
  /** Short class, e.g. 'not-linearizable', 'divergence', 'lost-ephemeral', 'stale-token-accepted'. */
  kind: string;
  message: string;
  /** Enough to investigate: the witness, the diverging values... (kept small). */
  evidence?: unknown;
}

export interface ScenarioContext {
  readonly seed: number;
  /** Seeded randomness for the workload (the nemesis has its own fork). */
  readonly rng: SeededRng;
  /** How long the faulted phase lasts, ms. */
  readonly durationMs: number;
  readonly cluster: ChaosCluster;
  readonly recorder: HistoryRecorder;
  /** The run's --planted-bug names the scenario handles itself (see {@link Scenario.serviceBugs}). */
  readonly serviceBugs: readonly string[];
  log(line: string): void;
  /**
   * Runs `workload` while the nemesis injects faults for `durationMs`. The signal aborts when the time
   * is up; the workload must then stop issuing ops and return. Afterwards every fault is healed and
   * the ensemble has a quorum again, so the scenario can take its final readings.
   */
  underFaults(workload: (signal: AbortSignal) => Promise<void>): Promise<void>;
}

/** Checker figures of a run whose history went through the linearizability checker. */
export interface CheckerSummary {
  model: string;
  verdict: 'ok' | 'illegal' | 'unknown';
  partitions: number;
  searchedOps: number;
  ms: number;
}

export interface ScenarioOutcome {
  anomalies: Anomaly[];
  /** Scenario-specific figures for the report, e.g. { acquisitions: 120, staleWritesRejected: 4 }. */
  stats?: Record<string, number>;
  checker?: CheckerSummary;
  /** Faults the scenario injected itself, beyond the nemesis (e.g. SIGSTOP of client processes). */
  clientFaults?: number;
}

export interface Scenario {
  readonly name: string;
  /** One line for the report: workload, faults, what is checked. */
  readonly summary: string;
  readonly faults: readonly FaultKind[];
  /** Ensemble size; default 3. */
  readonly members?: number;
  readonly pacing?: NemesisPacing;
  /**
   * Planted bugs of the services this scenario starts (e.g. 'release-lock-before-commit'): given to
   * the scenario in {@link ScenarioContext.serviceBugs} and kept out of the members' environment.
   */
  readonly serviceBugs?: readonly string[];
  /** Extra environment for the member processes (durability: REGISTRAR_TEST_STORAGE=lose-unsynced). */
  readonly memberEnv?: Readonly<Record<string, string>>;
  /** Extra zoo.cfg lines for the members (durability: a low snapCount so snapshots happen). */
  readonly zooCfg?: Readonly<Record<string, string | number>>;
  run(ctx: ScenarioContext): Promise<ScenarioOutcome>;
}
