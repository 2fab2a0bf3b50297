import { describe } from 'vitest';
import { apacheZooKeeperAvailable, startApacheZooKeeper } from './apache-zookeeper.js';
import type { Ensemble, StartOptions } from './ensemble.js';
import { fourLetterWord } from './four-letter-word.js';
import { REGISTRAR_MAIN, registrarAvailable, startRegistrar } from './registrar-member.js';

export type TargetName = 'apache' | 'registrar';

/** A server implementation an interop suite runs against. */
export interface InteropTarget {
  name: TargetName;
  start(opts?: StartOptions): Promise<Ensemble>;
  /** Set when the target cannot run here; suites register it as skipped with this reason. */
  skipReason?: string;
}

/**
 * INTEROP_TOPOLOGY=degraded-ensemble makes every `target.start()` of a standalone server start a
 * 3-member ensemble instead and SIGKILL its leader before the suite runs: the connect string still
 * lists all three, so clients must find the live members (issue "ZAB replication": the client
 * suites also pass against an ensemble while a member is down). Default: standalone.
 */
function withTopology(
  start: (opts?: StartOptions) => Promise<Ensemble>,
): (opts?: StartOptions) => Promise<Ensemble> {
  if (process.env['INTEROP_TOPOLOGY'] !== 'degraded-ensemble') return start;
  return async (opts = {}) => {
    if ((opts.members ?? 1) !== 1) return start(opts);
    const ens = await start({ ...opts, members: 3 });
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const [i, m] of ens.members.entries()) {
        const mode = await fourLetterWord(m.clientPort, 'srvr').then(
          (t) => /^Mode: (\w+)/m.exec(t)?.[1],
          () => undefined,
        );
        if (mode === 'leader') {
          await ens.kill(i, 'SIGKILL');
          await waitForNewLeader(ens, i);
          return ens;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await ens.stop();
    throw new Error('degraded-ensemble: no leader found to kill');
  };
}

async function waitForNewLeader(ens: Ensemble, dead: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    for (const [i, m] of ens.members.entries()) {
      if (i === dead) continue;
      const text = await fourLetterWord(m.clientPort, 'srvr').catch(() => '');
      if (/^Mode: leader$/m.test(text)) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('degraded-ensemble: no new leader after killing the old one');
}

const ALL: Record<TargetName, Omit<InteropTarget, 'skipReason'>> = {
  apache: { name: 'apache', start: withTopology(startApacheZooKeeper) },
  registrar: { name: 'registrar', start: withTopology(startRegistrar) },
};

/**
 * THE one place that decides whether a target is skipped. The registrar skip goes away by itself once
 * apps/coordinator/src/main.ts exists (lead: delete this branch when the member is always present).
 */
function skipReasonFor(name: TargetName): string | undefined {
  if (name === 'registrar' && !registrarAvailable()) {
    return `${REGISTRAR_MAIN} does not exist yet (the Registrar member is not written)`;
  }
  if (name === 'apache' && !apacheZooKeeperAvailable()) {
    return 'Debian zookeeper package missing: run bash scripts/install-test-deps.sh';
  }
  return undefined;
}

/**
 * Targets named by env INTEROP_TARGETS (comma-separated, default "apache,registrar"), in that order,
 * each with `skipReason` set when it cannot run here. Unknown names throw, so typos do not pass silently.
 */
export function interopTargets(env: string | undefined = process.env['INTEROP_TARGETS']): InteropTarget[] {
  const names = (env ?? 'apache,registrar')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.map((name) => {
    if (name !== 'apache' && name !== 'registrar') {
      throw new Error(`INTEROP_TARGETS: unknown target "${name}" (known: apache, registrar)`);
    }
    const skipReason = skipReasonFor(name);
    return skipReason === undefined ? { ...ALL[name] } : { ...ALL[name], skipReason };
  });
}

/** What a suite may need beyond one standalone server. */
export type Capability = 'ensemble';

/**
 * THE one place that says what each target can do. Lead: add 'ensemble' to registrar once ZAB
 * replication is wired into the member (issue "ZAB replication").
 */
const CAPABILITIES: Record<TargetName, Capability[]> = {
  apache: ['ensemble'],
  registrar: ['ensemble'],
};
const MISSING_WHY: Record<Capability, string> = {
  ensemble: 'ZAB replication is not wired into the member yet',
};

/** All requested targets (including skipped ones). */
export const targets: InteropTarget[] = interopTargets();

/** Requested targets that can run here. */
export const runnableTargets: InteropTarget[] = targets.filter((t) => t.skipReason === undefined);

/**
 * `describe.each(targets)` with skipping built in: runs `body` once per runnable target under
 * "<title> against <name>", and registers skipped targets as skipped suites whose name carries the
 * reason, so the reporter shows why.
 *
 * @example describeEachTarget('zkCli', (target) => { beforeAll(async () => { zk = await target.start(); }); ... });
 */
export function describeEachTarget(
  title: string,
  body: (target: InteropTarget) => void,
  opts: { needs?: Capability[] } = {},
): void {
  for (const t of targets) {
    const missing = (opts.needs ?? []).find((c) => !CAPABILITIES[t.name].includes(c));
    const target =
      missing && !t.skipReason
        ? { ...t, skipReason: `${t.name} cannot run ${missing} suites yet: ${MISSING_WHY[missing]}` }
        : t;
    if (target.skipReason === undefined) {
      describe(`${title} against ${target.name}`, () => body(target));
    } else {
      describe.skip(`${title} against ${target.name} (skipped: ${target.skipReason})`, () => body(target));
    }
  }
}
