/**
 * Signing-key rotation across a session expiry: a real course-enrollment process from dist/ on a
 * 3-member ensemble (tickTime 500 ms, so a 2 s session), rotating every second. Two members are
 * paused past the session timeout, so the instance's session expires; once they resume, its periodic
 * rotations must run again on a new session. Each rotation takes the coordinator lock
 * `<root>/locks/auth/signing-keys` (a child created and deleted), so the lock's cversion counts them.
 * Before the fix the service rotated on the module's first client, dead for good after the expiry:
 * every later rotation failed and the cversion stood still.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZooKeeperClient } from '@registrar/coordination';
import { znodePaths } from '@registrar/platform';
import { signal } from '../../support/member-process.js';
import { fourLetterWord } from '../../support/four-letter-word.js';
import type { ServiceProcess } from '../../support/service-process.js';
import { leaderIndex, startCluster, type Cluster } from './cluster.js';

const SESSION_MS = 2_000;
let cluster: Cluster;
let svc: ServiceProcess;
let zk: ZooKeeperClient | undefined;
const paused = new Set<number>();

beforeAll(async () => {
  cluster = await startCluster({
    instances: 1,
    tickTime: 500,
    envOf: () => ({ COORDINATION_SESSION_TIMEOUT_MS: String(SESSION_MS), SIGNING_KEY_REFRESH_S: '1' }),
  });
  svc = cluster.instances[0]!;
  // The suite's own session outlives the pause (no session expires while there is no quorum).
  zk = await ZooKeeperClient.connect(cluster.ensemble.connectString, { sessionTimeout: 30_000 });
});

afterAll(async () => {
  for (const pid of paused) signal(pid, 'SIGCONT');
  await zk?.close().catch(() => undefined);
  await cluster?.stop();
});

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (svc.process.hasExited()) throw new Error(`the instance exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('signing-key rotation', () => {
  it('keeps rotating on a new session after its session expired', async () => {
    const paths = znodePaths(cluster.root);
    const lockPath = paths.lock('auth', 'signing-keys');
    const registryPath = `${paths.services}/course-enrollment/ce-1`;
    const rotations = async () => (await zk!.exists(lockPath))?.cversion ?? 0;
    const owner = async () => (await zk!.exists(registryPath))?.ephemeralOwner;
    const bootSession = await owner();
    expect(bootSession).toBeDefined();
    // Rotating every second on the boot session.
    const atBoot = await rotations();
    await until('rotations on the boot session', async () => (await rotations()) >= atBoot + 4);

    // The leader and one follower paused for longer than the session timeout: when they resume, the
    // leader expires the sessions nobody could touch meanwhile, the instance's among them.
    const leader = await leaderIndex(cluster.ensemble);
    expect(leader).toBeGreaterThanOrEqual(0);
    const keptIndex = (leader + 1) % 3;
    const stopped = cluster.ensemble.members.filter((_, i) => i !== keptIndex);
    for (const m of stopped) {
      signal(m.pid, 'SIGSTOP');
      paused.add(m.pid);
    }
    const kept = cluster.ensemble.members[keptIndex]!;
    await until('the remaining member to stop serving', async () =>
      (await fourLetterWord(kept.clientPort, 'srvr')).includes('not currently serving'),
    );
    await new Promise((r) => setTimeout(r, 3 * SESSION_MS));
    for (const m of stopped) {
      signal(m.pid, 'SIGCONT');
      paused.delete(m.pid);
    }

    // The instance moved to a new session (its registry entry is re-created under it) ...
    await until(
      'the instance on a new session',
      async () => {
        const now = await owner();
        return now !== undefined && now !== bootSession;
      },
      60_000,
    );
    // ... and its rotations run again, on that session.
    const before = await rotations();
    await until('rotations after the expiry', async () => (await rotations()) >= before + 4, 30_000);
    expect(svc.process.hasExited()).toBe(false);
  });
});
