/**
 * Where a request's time goes, as Prometheus histograms every instance exports on /metrics, so the
 * benchmark (which scrapes them before and after a workload) and production read the same numbers:
 *
 * - `registrar_stage_seconds{stage}`: one observation per pass through a stage.
 *   `auth` (JWT verification, per request), `course-read` (the enrollment's course lookup, per
 *   request), `seat-queue` (an op's wait from submit until its batch starts deciding: queue + lock),
 *   `lock-acquire` / `lock-release` (per batch, the coordinator lock recipe end to end),
 *   `db-wait` (per batch, until its statements run: the group transaction it joins, the per-process
 *   gate and BEGIN IMMEDIATE waiting for another process's write lock), `db-batch` (per batch, its
 *   statements), `db-transaction` (per database transaction, BEGIN to COMMIT; one carries every
 *   batch that was ready, see database/transaction-group.ts).
 * - `registrar_coordinator_round_trip_seconds{op}`: each request the lock recipe sent to the
 *   coordinator (create, getChildren, getData, exists, delete), reply included.
 * The HTTP total per route is `http_request_duration_seconds` (request-id middleware).
 */
import { Histogram, type Registry } from 'prom-client';

export type Stage =
  | 'auth'
  | 'course-read'
  | 'seat-queue'
  | 'lock-acquire'
  | 'lock-release'
  | 'db-wait'
  | 'db-batch'
  | 'db-transaction';

/** What the seat allocator and the verifiers report into; `NO_STAGE_TIMINGS` drops everything. */
export interface StageRecorder {
  stage(stage: Stage, seconds: number): void;
  roundTrip(op: string, seconds: number): void;
}

export const NO_STAGE_TIMINGS: StageRecorder = { stage: () => undefined, roundTrip: () => undefined };

// From 50 µs (a cached verify) to 10 s (a lock timeout's neighbourhood).
const BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class StageTimings implements StageRecorder {
  private readonly stages: Histogram<'stage'>;
  private readonly trips: Histogram<'op'>;

  constructor(registry: Registry) {
    this.stages = new Histogram({
      name: 'registrar_stage_seconds',
      help: 'Time spent per stage of a request or seat batch (auth, course-read, seat-queue, lock-acquire, lock-release, db-wait, db-batch, db-transaction)',
      labelNames: ['stage'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.trips = new Histogram({
      name: 'registrar_coordinator_round_trip_seconds',
      help: 'Coordinator requests made by the seat lock recipe, by operation, reply included',
      labelNames: ['op'],
      buckets: BUCKETS,
      registers: [registry],
    });
  }

  stage(stage: Stage, seconds: number): void {
    this.stages.observe({ stage }, seconds);
  }

  roundTrip(op: string, seconds: number): void {
    this.trips.observe({ op }, seconds);
  }
}
