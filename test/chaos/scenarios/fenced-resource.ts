/**
 * Fencing tokens keep a resource safe when the lock itself loses mutual exclusion (Kleppmann's
 * paused lock holder; etcd#11456).
 *
 * Run: four lock clients as separate processes (test/chaos/workers/lock-worker.ts, 3 s sessions)
 * loop: acquire /chaos/fenced/lock, check they hold it, wait 20-200 ms, write (token, value) to a
 * resource held here in the harness, release. The resource accepts a write iff its token is >= the
 * highest it accepted. Faults: the harness SIGSTOPs a worker (mostly the current holder) for 1.5-3x
 * its session timeout every few seconds, so its session expires, the lock passes on, and the paused
 * process resumes still believing it owns the lock; the nemesis kills the leader meanwhile.
 *
 * Checked from the recorded events (fencing-checks.ts), only what a coordinator bug can break: (1)
 * tokens strictly increase in grant order and are unique; (2) never two live holders: after its
 * write each holder proves with setData on its own lock node whether it still exists, and none may
 * succeed once a grant with a newer token completed. The resource's accept rule is the harness's own
 * code, so its log is not re-checked. Stats: how often mutual exclusion was really lost by wall clock
 * (overlapping holds: the paused holders) and how many stale writes the resource rejected, both
 * should be > 0, else the pauses did not do their job (a note in the log, not an anomaly).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { abortableSleep } from '../harness/nemesis.js';
import type { Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import type { HarnessMessage, WorkerEvent } from '../workers/lock-worker.js';
import {
  checkFencing,
  countOverlappingHolds,
  type Grant,
  type Hold,
  type HoldProof,
  type ResourceWrite,
} from './fencing-checks.js';
import { ensureRoot } from './workload-keys.js';

const ROOT = '/chaos/fenced';
const LOCK = `${ROOT}/lock`;
const WORKERS = 4;
const SESSION_TIMEOUT_MS = 3000;
const WORKER_SCRIPT = fileURLToPath(new URL('../workers/lock-worker.ts', import.meta.url));
/** Chance that a pause targets the current lock holder rather than any worker. */
const HOLDER_PAUSE_CHANCE = 0.75;

export const fencedResourceScenario: Scenario = {
  name: 'fenced-resource',
  summary:
    'lock holders in child processes SIGSTOPped past their session timeout + leader kills; fencing tokens increase, resource accepts no stale write',
  faults: ['kill-leader', 'leader-clock-pauses', 'client-cut'],
  pacing: { faultMs: [1500, 3500], quietMs: [2000, 5000] },
  run: runFencedResource,
};

/** A worker process and what the harness knows about it. */
interface WorkerProc {
  name: string;
  child: ChildProcess;
  paused: boolean;
  acquiringAt?: bigint;
  /** Start of the hold in progress (between 'acquired' and 'released'). */
  holdingSince?: bigint;
  exited: boolean;
}

async function runFencedResource(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;
  await ensureRoot(cluster.connectString, ROOT);

  const grants: Grant[] = [];
  const writes: ResourceWrite[] = [];
  const holds: Hold[] = [];
  const proofs: HoldProof[] = [];
  const stats = {
    grants: 0,
    acquireFailures: 0,
    writesAccepted: 0,
    staleWritesRejected: 0,
    /** Holds still running when another worker's hold began. */
    mutualExclusionLost: 0,
    pauses: 0,
    holderPauses: 0,
    workerSessionsExpired: 0,
    /** Holders whose write on their own lock node, after the resource write, succeeded / failed. */
    holdsProvedAlive: 0,
    holdsProvedGone: 0,
  };
  let highest = Number.NEGATIVE_INFINITY;

  const workers: WorkerProc[] = [];
  const send = (w: WorkerProc, m: HarnessMessage) => {
    if (!w.exited) w.child.stdin?.write(JSON.stringify(m) + '\n');
  };
  const onEvent = (w: WorkerProc, e: WorkerEvent) => {
    switch (e.t) {
      case 'acquiring':
        w.acquiringAt = BigInt(e.at);
        return;
      case 'acquired': {
        const at = BigInt(e.at);
        grants.push({ worker: w.name, invokeNs: w.acquiringAt ?? at, completeNs: at, token: e.token });
        recorder.ok(recorder.invoke(w.name, 'acquire', LOCK, {}), { token: e.token });
        w.holdingSince = at;
        stats.grants++;
        return;
      }
      case 'acquire-failed':
        stats.acquireFailures++;
        return;
      case 'released':
        if (w.holdingSince !== undefined)
          holds.push({ worker: w.name, fromNs: w.holdingSince, toNs: BigInt(e.at) });
        w.holdingSince = undefined;
        return;
      case 'expired':
        stats.workerSessionsExpired++;
        return;
      case 'proof':
        proofs.push({ worker: w.name, token: e.token, invokeNs: BigInt(e.at), alive: e.alive });
        if (e.alive) stats.holdsProvedAlive++;
        else stats.holdsProvedGone++;
        return;
      case 'write': {
        // The resource: Kleppmann's storage service, accepting only tokens >= the highest seen.
        const accepted = e.token >= highest;
        if (accepted) highest = e.token;
        writes.push({ worker: w.name, token: e.token, arrivedNs: process.hrtime.bigint(), accepted });
        recorder.ok(recorder.invoke(w.name, 'write', LOCK, { token: e.token }), { accepted });
        if (accepted) stats.writesAccepted++;
        else stats.staleWritesRejected++;
        send(w, { t: 'write-result', id: e.id, accepted });
        return;
      }
    }
  };

  const runEnd = () => process.hrtime.bigint();
  try {
    for (let i = 0; i < WORKERS; i++) {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          WORKER_SCRIPT,
          `p${i}`,
          cluster.connectString,
          LOCK,
          String(SESSION_TIMEOUT_MS),
          String(ctx.seed * 100 + i),
        ],
        { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] },
      );
      const w: WorkerProc = { name: `p${i}`, child, paused: false, exited: false };
      child.on('exit', () => (w.exited = true));
      child.stdin?.on('error', () => undefined);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          onEvent(w, JSON.parse(line) as WorkerEvent);
        } catch {
          ctx.log(`${w.name}: unparsable line ${line.slice(0, 120)}`);
        }
      });
      workers.push(w);
    }

    await ctx.underFaults(async (signal) => {
      const rng = ctx.rng.fork();
      while (!signal.aborted) {
        await abortableSleep(rng.between(1000, 3000), signal);
        if (signal.aborted) break;
        const live = workers.filter((w) => !w.exited);
        let holders = live.filter((w) => w.holdingSince !== undefined);
        const wantHolder = rng.chance(HOLDER_PAUSE_CHANCE);
        // Holds last 20-200 ms: wait (bounded) for one, so the pause lands between grant and write.
        for (
          let waited = 0;
          wantHolder && holders.length === 0 && waited < 1500 && !signal.aborted;
          waited += 5
        ) {
          await abortableSleep(5, signal);
          holders = live.filter((w) => w.holdingSince !== undefined && !w.exited);
        }
        const useHolder = wantHolder && holders.length > 0;
        const target = useHolder ? rng.pick(holders) : live.length > 0 ? rng.pick(live) : undefined;
        if (target?.child.pid === undefined) continue;
        const pauseMs = Math.round(SESSION_TIMEOUT_MS * (1.5 + rng.next() * 1.5));
        ctx.log(
          `pauser: SIGSTOP ${target.name} (pid ${target.child.pid}${useHolder ? ', holder' : ''}) for ${pauseMs} ms`,
        );
        process.kill(target.child.pid, 'SIGSTOP');
        target.paused = true;
        stats.pauses++;
        if (useHolder) stats.holderPauses++;
        try {
          await abortableSleep(pauseMs, signal);
        } finally {
          if (!target.exited) process.kill(target.child.pid, 'SIGCONT');
          target.paused = false;
        }
      }
    });
  } finally {
    await stopWorkers(workers, (w, m) => send(w, m));
  }

  const end = runEnd();
  for (const w of workers) {
    if (w.holdingSince !== undefined) holds.push({ worker: w.name, fromNs: w.holdingSince, toNs: end });
  }
  stats.mutualExclusionLost = countOverlappingHolds(holds);
  if (stats.mutualExclusionLost === 0 || stats.staleWritesRejected === 0) {
    ctx.log(
      `note: the pauses did not bite this run (overlapping holds ${stats.mutualExclusionLost}, ` +
        `stale writes rejected ${stats.staleWritesRejected}); not an anomaly, but the run proves less`,
    );
  }
  return { anomalies: checkFencing(grants, proofs), stats, clientFaults: stats.pauses };
}

/** Resumes paused workers, asks all to stop, and kills (by PID) any that do not exit in time. */
async function stopWorkers(
  workers: WorkerProc[],
  send: (w: WorkerProc, m: HarnessMessage) => void,
): Promise<void> {
  for (const w of workers) {
    if (w.paused && !w.exited && w.child.pid !== undefined) process.kill(w.child.pid, 'SIGCONT');
    w.paused = false;
    send(w, { t: 'stop' });
    w.child.stdin?.end();
  }
  await Promise.all(
    workers.map(async (w) => {
      if (w.exited) return;
      const exited = once(w.child, 'exit');
      const timer = setTimeout(() => {
        if (!w.exited && w.child.pid !== undefined) process.kill(w.child.pid, 'SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}
