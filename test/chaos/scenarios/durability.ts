/**
 * Durability under power losses. The members run on the crash-simulating storage
 * (REGISTRAR_TEST_STORAGE=lose-unsynced): everything not fsynced (data, and names until their
 * directory is fsynced) lives in the member's memory only, so a kill -9 is a power loss rather than
 * a process crash that keeps the page cache. Crash points inside snapshot, truncate, purge and epoch
 * writes are armed for the faulted phase: a member reaching one loses power right there and is
 * brought back. A low snapCount, a short commit log and autopurge make snapshots, SNAP syncs and
 * purges happen within a short run.
 *
 * Faults (this scenario's own schedule, since they need restarts that tolerate a member dying again
 * during its own recovery): power loss of one member or of the leader, power loss of the whole
 * ensemble at once under load, and the leader isolated then killed (it restarts with an uncommitted
 * tail that a TRUNC must undo).
 *
 * Workload: writers pinned to every member create uniquely named znodes and overwrite a few keys.
 * Audit, once the faulted phase is over (writers stopped, each member's tree read as it holds it in
 * memory) and again after the last fault, a whole-ensemble power loss in the same turn as an
 * acknowledgement: every acknowledged create is
 * present and nothing never created is (set check: lost-write / unexpected-element), no key lost an
 * acknowledged version (lost-write), and every member holds the same tree (divergence, with each
 * member's digest).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import type { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';
import { ChaosClient, closeQuietly } from '../harness/chaos-client.js';
import type { ChaosCluster } from '../harness/chaos-cluster.js';
import { abortableSleep, sleep } from '../harness/nemesis.js';
import type { Anomaly, Scenario, ScenarioContext, ScenarioOutcome } from '../harness/scenario.js';
import { checkSet } from '../history/set-check.js';
import {
  digestMismatch,
  digestOf,
  lostVersions,
  type AckedVersion,
  type TreeView,
} from './durability-checks.js';
import { closeWorkers, pinnedWorkers, runWorkers } from './pinned-workers.js';
import { ensurePath } from './workload-keys.js';

const ROOT = '/chaos/durability';
const NODES = `${ROOT}/nodes`;
const KEYS = `${ROOT}/keys`;
const KEY_COUNT = 6;
const WORKERS_PER_MEMBER = 3;

/** Crash points inside multi-step durable writes; the per-batch log points would fire constantly. */
const CRASH_POINTS = [
  'snapshot.written',
  'snapshot.renamed',
  'atomic-file.written',
  'atomic-file.renamed',
  'truncate.unlinked',
  'truncate.shortened',
  'purge.unlinked',
  'log.segment-created',
];
/** Crash points fire only while this file exists: armed for the faulted phase, never for the audit. */
const ARM_FILE = join(tmpdir(), `registrar-chaos-crash-arm-${process.pid}`);

type FaultName = 'power-loss' | 'power-loss-leader' | 'power-loss-all' | 'isolate-kill-leader';
const FAULT_WEIGHTS: readonly [FaultName, number][] = [
  ['power-loss-all', 0.35],
  ['power-loss', 0.2],
  ['power-loss-leader', 0.2],
  ['isolate-kill-leader', 0.25],
];

export const durabilityScenario: Scenario = {
  name: 'durability',
  summary:
    'members on crash-simulating storage (kill -9 = power loss), whole-ensemble power loss under load, crash points in snapshot/truncate/epoch writes; acknowledged writes survive, digests agree',
  // The shared nemesis stays idle: this scenario schedules its own faults (see runFaults).
  faults: [],
  memberEnv: {
    REGISTRAR_TEST_STORAGE: 'lose-unsynced',
    REGISTRAR_TEST_CRASH_POINTS: `${CRASH_POINTS.join(',')}@0.02`,
    REGISTRAR_TEST_CRASH_ARM_FILE: ARM_FILE,
    // A slow disk: acknowledgements that do not wait for their fsync are exposed by a power loss.
    REGISTRAR_TEST_FSYNC_DELAY_MS: '30',
  },
  zooCfg: {
    snapCount: 300,
    // Short outages sync by DIFF or TRUNC (what apply-uncommitted-tail needs); long ones by SNAP.
    'zookeeper.commitLogCount': 1000,
    'autopurge.purgeInterval': 1,
    'autopurge.snapRetainCount': 3,
  },
  run: runDurability,
};

interface FaultStats {
  faults: number;
  powerLossAll: number;
  crashPointDeaths: number;
  restartRetries: number;
}

/**
 * Brings members back: every member that is down (killed by the schedule, or dead on its own at a
 * crash point, possibly again during its own recovery) gets a restart, all of them at once and in the
 * background: a restart waits until the member serves, which it cannot do while a majority is down.
 */
class Reviver {
  private readonly restarting = new Map<number, Promise<void>>();
  constructor(
    readonly cluster: ChaosCluster,
    private readonly stats: FaultStats,
    private readonly log: (line: string) => void,
  ) {}

  private isDown(id: number): boolean {
    return !this.cluster.isRunning(id) || this.cluster.exitedOnItsOwn(id);
  }

  /** Starts a restart of every member that is down and not already restarting. */
  reviveDown(): void {
    for (const id of this.cluster.ids) {
      if (this.restarting.has(id) || !this.isDown(id)) continue;
      if (this.cluster.isRunning(id)) this.stats.crashPointDeaths++;
      const t0 = performance.now();
      const p = this.cluster.restart(id).then(
        () => this.log(`durability: member ${id} back in ${Math.round(performance.now() - t0)} ms`),
        (err) => {
          // It died again while recovering (a crash point in its own recovery), or had no quorum yet.
          this.stats.restartRetries++;
          this.log(`durability: restart of member ${id} failed, retrying: ${String(err).split('\n')[0]}`);
        },
      );
      this.restarting.set(id, p);
      void p.finally(() => this.restarting.delete(id));
    }
  }

  /** Until every member runs and no restart is in flight (bounded). */
  async allUp(timeoutMs = 120_000): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      this.reviveDown();
      if (this.restarting.size === 0 && this.cluster.ids.every((id) => !this.isDown(id))) return true;
      await sleep(100);
    }
    return false;
  }
}

async function runFaults(
  rev: Reviver,
  rng: SeededRng,
  signal: AbortSignal,
  stats: FaultStats,
  log: (l: string) => void,
  quiesce: () => Promise<void>,
  powerLossAfterAck: () => Promise<void>,
): Promise<void> {
  const c = rev.cluster;
  const started = performance.now();
  const at = () => `+${((performance.now() - started) / 1000).toFixed(1)}s`;
  const reviver = (async () => {
    while (!signal.aborted) {
      rev.reviveDown();
      await abortableSleep(200, signal);
    }
  })();
  while (!signal.aborted) {
    await abortableSleep(1000 + rng.int(1500), signal);
    if (signal.aborted) break;
    // Each fault hits a whole ensemble (crash points may have taken members down meanwhile).
    await rev.allUp(30_000);
    if (signal.aborted) break;
    const kind = pickWeighted(rng);
    stats.faults++;
    const leader = await c.leader();
    const target = kind === 'power-loss' || leader === undefined ? rng.pick(c.ids) : leader;
    if (kind === 'power-loss-all') {
      stats.powerLossAll++;
      const afterAck = rng.chance(0.5);
      log(
        `durability ${at()} power loss of the whole ensemble${afterAck ? ' right after an acknowledgement' : ''}`,
      );
      // Every SIGKILL goes out in the same turn: no member gets to fsync after another died.
      if (afterAck) await powerLossAfterAck();
      else await Promise.all(c.ids.map((id) => c.kill(id)));
      await sleep(300 + rng.int(1200));
    } else if (kind === 'isolate-kill-leader') {
      log(`durability ${at()} isolate member ${target}, then power loss of it`);
      c.network.isolate(target);
      await sleep(300 + rng.int(500));
      await c.kill(target);
      c.network.heal();
      await sleep(200 + rng.int(800));
    } else {
      log(
        `durability ${at()} power loss of member ${target} (${kind === 'power-loss' ? 'random' : 'leader'})`,
      );
      await c.kill(target);
      await sleep(500 + rng.int(1500));
    }
    rev.reviveDown();
  }
  await reviver;
  // Writers stopped, crash points disarmed, every member back: the first audit reads each member's
  // tree as it is in memory (a member that kept txns a TRUNC dropped differs now, and a restart
  // from disk could hide it).
  await quiesce();
  // The last fault: the whole ensemble loses power in the same turn as an acknowledgement.
  stats.faults++;
  stats.powerLossAll++;
  log(`durability ${at()} power loss of the whole ensemble right after an acknowledgement (last fault)`);
  await powerLossAfterAck();
  if (!(await rev.allUp())) log('durability: members still down after the faulted phase');
}

function pickWeighted(rng: SeededRng): FaultName {
  let r = rng.next();
  for (const [name, w] of FAULT_WEIGHTS) {
    if (r < w) return name;
    r -= w;
  }
  return FAULT_WEIGHTS[0]![0];
}

async function runDurability(ctx: ScenarioContext): Promise<ScenarioOutcome> {
  const { cluster, recorder } = ctx;
  const stats: FaultStats = { faults: 0, powerLossAll: 0, crashPointDeaths: 0, restartRetries: 0 };
  const rev = new Reviver(cluster, stats, ctx.log);
  const admin = new ChaosClient('setup', cluster.connectString, recorder);
  const setup = await admin.session();
  await ensurePath(setup, NODES);
  await ensurePath(setup, KEYS);
  const keys = Array.from({ length: KEY_COUNT }, (_, i) => `${KEYS}/k${i}`);
  for (const k of keys) await ensurePath(setup, k);
  await admin.close();

  const creates = new Map<string, 'ok' | 'fail' | 'unknown'>();
  const acked: AckedVersion[] = [];
  const work = { createsOk: 0, writesOk: 0, unknown: 0 };
  const workers = pinnedWorkers(cluster, recorder, WORKERS_PER_MEMBER);
  const trigger = new ChaosClient('trigger', cluster.connectString, recorder);
  let first: Awaited<ReturnType<typeof audit>> | undefined;
  writeFileSync(ARM_FILE, 'crash points armed for the faulted phase\n');
  try {
    await ctx.underFaults((signal) => {
      const writers = new AbortController();
      let writersDone: Promise<void> = Promise.resolve();
      const quiesce = async () => {
        writers.abort();
        await writersDone;
        rmSync(ARM_FILE, { force: true });
        if (!(await rev.allUp())) ctx.log('durability: members still down before the first audit');
        await cluster.waitForQuorum();
        first = await audit(cluster, recorder, creates, acked, keys, 'after the faulted phase');
      };
      writersDone = runWorkers(
        workers,
        writers.signal,
        () => ctx.rng.fork(),
        async ({ client }, rng) => {
          await client.session();
          const value = `${client.process}-${recorder.size}`;
          if (rng.next() < 0.6) {
            const out = await client.op(
              'create',
              NODES,
              { name: value },
              (zk) => zk.create(`${NODES}/${value}`, value),
              () => undefined,
            );
            creates.set(value, out.status);
            if (out.status === 'ok') work.createsOk++;
            else if (out.status === 'unknown') work.unknown++;
            return;
          }
          const key = rng.pick(keys);
          const out = await client.op(
            'write',
            key,
            { value },
            (zk) => zk.setData(key, value, -1),
            (st) => ({ version: st.version }),
          );
          if (out.status === 'ok') {
            work.writesOk++;
            acked.push({ key, version: out.value.version, value });
          } else if (out.status === 'unknown') work.unknown++;
        },
        2,
      );
      return Promise.all([
        runFaults(rev, ctx.rng.fork(), signal, stats, ctx.log, quiesce, () =>
          powerLossAfterAck(cluster, trigger, creates),
        ),
        writersDone,
      ]).then(() => undefined);
    });
  } finally {
    rmSync(ARM_FILE, { force: true });
  }
  const sessions = (await closeWorkers(workers)) + trigger.sessions;
  await trigger.close();

  const anomalies: Anomaly[] = [];
  if (!first) throw new Error('durability: the faulted phase ended without its first audit');
  anomalies.push(...first.anomalies);
  // Healed after a whole-ensemble power loss right after an acknowledgement: read everything again.
  const after = await audit(
    cluster,
    recorder,
    creates,
    acked,
    keys,
    'after a whole-ensemble power loss right after an acknowledgement',
  );
  anomalies.push(...after.anomalies);
  ctx.log(`durability: digests ${after.digests.join('; ')}`);
  return {
    anomalies,
    clientFaults: stats.faults,
    stats: {
      ...work,
      sessions,
      faults: stats.faults,
      powerLossAll: stats.powerLossAll,
      crashPointDeaths: stats.crashPointDeaths,
      restartRetries: stats.restartRetries,
      acknowledgedCreates: after.acknowledged,
    },
  };
}

/**
 * The sharpest power loss: one create, and the moment its acknowledgement arrives every member is
 * SIGKILLed in that same turn. On correct code the acknowledgement means a quorum had it on disk; a
 * member that acknowledged before its fsync loses it with the power. Falls back to a plain power loss
 * when no create is acknowledged within a few tries.
 */
let triggerCount = 0;

async function powerLossAfterAck(
  cluster: ChaosCluster,
  trigger: ChaosClient,
  creates: Map<string, 'ok' | 'fail' | 'unknown'>,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    let kills: Promise<void>[] | undefined;
    const name = `${trigger.process}-ack-then-power-loss-${++triggerCount}`;
    try {
      const out = await trigger.op(
        'create',
        NODES,
        { name },
        (zk) =>
          zk.create(`${NODES}/${name}`, name).then((created) => {
            kills = cluster.ids.map((id) => cluster.kill(id));
            return created;
          }),
        () => undefined,
      );
      creates.set(name, out.status);
    } catch {
      // No session to be had right now: try again.
      await sleep(200);
    }
    if (kills) {
      await Promise.all(kills);
      return;
    }
  }
  await Promise.all(cluster.ids.map((id) => cluster.kill(id)));
}

/** Reads the acknowledged state through the ensemble and every member's own tree; checks both. */
async function audit(
  cluster: ChaosCluster,
  recorder: ScenarioContext['recorder'],
  creates: ReadonlyMap<string, 'ok' | 'fail' | 'unknown'>,
  acked: readonly AckedVersion[],
  keys: readonly string[],
  when: string,
): Promise<{ anomalies: Anomaly[]; digests: string[]; acknowledged: number }> {
  const reader = new ChaosClient(`audit`, cluster.connectString, recorder);
  const zk = await reader.session();
  await zk.sync('/');
  const listed = await reader.finalOp(
    'list',
    NODES,
    {},
    (c) => c.getChildren(NODES),
    (names) => names.length,
  );
  const final = new Map<string, { version: number; value: string } | 'absent'>();
  for (const key of keys) {
    const out = await reader.finalOp(
      'read',
      key,
      {},
      (c) => c.getData(key),
      (r) => ({ version: r.stat.version }),
    );
    final.set(
      key,
      out.status === 'ok'
        ? { version: out.value.stat.version, value: out.value.data.toString('utf8') }
        : 'absent',
    );
  }
  await reader.close();
  const names = listed.status === 'ok' ? listed.value : [];
  const set = checkSet(creates, names, `final read of ${NODES}`);
  const views = new Map<number, TreeView>();
  for (const id of cluster.servingIds) views.set(id, await memberView(cluster, id, keys));
  const anomalies = [...set.anomalies, ...lostVersions(acked, final), ...digestMismatch(views)].map((a) => ({
    ...a,
    message: `${a.message} (${when})`,
  }));
  return {
    anomalies,
    digests: [...views].map(([id, v]) => `${id}: ${digestOf(v)}`),
    acknowledged: set.acknowledged,
  };
}

/** One member's own tree under the root (after a sync, so it holds everything committed). */
async function memberView(cluster: ChaosCluster, id: number, keys: readonly string[]): Promise<TreeView> {
  const zk = await ZooKeeperClient.connect(cluster.memberConnectString(id), {
    sessionTimeout: 10_000,
    initialConnectTimeout: 10_000,
  });
  try {
    await zk.sync('/');
    const view = new Map<string, string>();
    for (const name of await zk.getChildren(NODES)) view.set(`${NODES}/${name}`, 'present');
    for (const key of keys) {
      const { data, stat } = await zk.getData(key);
      view.set(key, `${data.toString('utf8')}@${stat.version} mzxid=0x${stat.mzxid.toString(16)}`);
    }
    return view;
  } finally {
    await closeQuietly(zk);
  }
}
