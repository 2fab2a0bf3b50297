/**
 * Starts the two servers a differential run compares, configured alike, and kept running across
 * sequences (each sequence works under its own root). Container and TTL reaping is pushed out of
 * reach on both: a reaper pass is a txn at a time neither client chose, which would shift every
 * later zxid on one server and not the other.
 */
import { apacheZooKeeperAvailable, startApacheZooKeeper } from '../../support/apache-zookeeper.js';
import type { Ensemble, StartOptions } from '../../support/ensemble.js';
import { RawSession } from '../../support/raw-session.js';
import { registrarAvailable, startRegistrar } from '../../support/registrar-member.js';
import type { ServerUnderTest } from './lockstep.js';

/** Parent of every sequence root. */
export const DIFF_PARENT = '/diff';

const REAP_NEVER_MS = 86_400_000;

export interface DifferentialServers {
  reference: ServerUnderTest;
  candidate: ServerUnderTest;
  stop(): Promise<void>;
}

export function differentialSkipReason(): string | undefined {
  if (!apacheZooKeeperAvailable())
    return 'Debian zookeeper package missing: run bash scripts/install-test-deps.sh';
  if (!registrarAvailable()) return 'the Registrar member is not present';
  return undefined;
}

/**
 * @param members 1 (standalone, default) or an ensemble size
 * @param registrarFrom run our member from source (tsx, default) or from dist
 */
export async function startDifferentialServers(
  members = 1,
  registrarFrom: StartOptions['registrarFrom'] = 'source',
): Promise<DifferentialServers> {
  const common: StartOptions = {
    members,
    // same zoo.cfg keys for both: fsync off (speed only; no crash in these runs), reaper off
    extra: { forceSync: 'no', 'znode.container.checkIntervalMs': REAP_NEVER_MS },
  };
  // Apache reads the reaper interval only as a JVM system property; the launcher passes the
  // environment through, and JAVA_TOOL_OPTIONS is how a JVM takes extra flags from it.
  const savedJto = process.env['JAVA_TOOL_OPTIONS'];
  process.env['JAVA_TOOL_OPTIONS'] =
    `${savedJto ?? ''} -Dznode.container.checkIntervalMs=${REAP_NEVER_MS}`.trim();
  let apache: Ensemble | undefined;
  let ours: Ensemble | undefined;
  try {
    const startedAt = Date.now();
    [apache, ours] = await Promise.all([
      startApacheZooKeeper(common),
      startRegistrar({ ...common, registrarFrom }),
    ]);
    for (const e of [apache, ours]) await createParent(e.members[0]!.clientPort);
    const a = apache;
    const o = ours;
    return {
      reference: { name: 'apache', ports: a.members.map((m) => m.clientPort), startedAt },
      candidate: { name: 'registrar', ports: o.members.map((m) => m.clientPort), startedAt },
      stop: async () => {
        await Promise.all([a.stop(), o.stop()]);
      },
    };
  } catch (e) {
    await Promise.all([apache?.stop(), ours?.stop()]);
    throw e;
  } finally {
    if (savedJto === undefined) delete process.env['JAVA_TOOL_OPTIONS'];
    else process.env['JAVA_TOOL_OPTIONS'] = savedJto;
  }
}

async function createParent(port: number): Promise<void> {
  const { raw } = await RawSession.session(port, 10_000);
  try {
    const r = await raw.call({
      op: 'create',
      path: DIFF_PARENT,
      data: null,
      acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
      flags: 0,
    });
    if (r?.err !== 0 && r?.err !== -110)
      throw new Error(`create ${DIFF_PARENT} on port ${port}: err ${r?.err}`);
    await raw.call({ op: 'closeSession' });
  } finally {
    raw.close();
  }
}
