/**
 * Helpers for the cluster suites: real Registrar member processes on loopback (test/support's
 * startRegistrar), observed through mntr and driven through our own client.
 */
import { rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ZooKeeperClient } from '../../libs/coordination/src/client/zookeeper-client.js';
import type { Ensemble, EnsembleMember } from '../support/ensemble.js';
import { fourLetterWord, parseMntr } from '../support/four-letter-word.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Short ticks so elections and timeouts take a few seconds, not tens. */
export const FAST = { tickTime: 400, minSessionTimeout: 2000, maxSessionTimeout: 20000 } as const;

/** mntr of one member, or undefined when it does not answer / does not serve. */
export async function mntr(m: EnsembleMember): Promise<Map<string, string> | undefined> {
  if (!m.running) return undefined;
  try {
    const text = await fourLetterWord(m.clientPort, 'mntr', '127.0.0.1', 2000);
    if (!text.startsWith('zk_')) return undefined;
    return parseMntr(text);
  } catch {
    return undefined;
  }
}

/** Mode of every member ('down' when not answering, 'none' when not serving). */
export async function modes(zk: Ensemble): Promise<string[]> {
  return Promise.all(
    zk.members.map(async (m) => {
      if (!m.running) return 'down';
      const s = await mntr(m);
      return s?.get('zk_server_state') ?? 'none';
    }),
  );
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(150);
    last = await probe();
  }
  return last;
}

/** Index of the single leader once one leader and everyone else (running) follows. */
export async function waitForLeader(zk: Ensemble, timeoutMs = 30_000): Promise<number> {
  const ms = await waitFor(
    'one leader, the other running members following',
    () => modes(zk),
    (m) =>
      m.filter((x) => x === 'leader').length === 1 &&
      m.every((x, i) => x === 'leader' || x === 'follower' || !zk.members[i]!.running),
    timeoutMs,
  );
  return ms.indexOf('leader');
}

/** Tree digests of the running members, once they all agree and have applied the same zxid. */
export async function waitForSameDigest(zk: Ensemble, timeoutMs = 30_000): Promise<string> {
  const probe = async () => {
    const all = await Promise.all(zk.members.filter((m) => m.running).map((m) => mntr(m)));
    return all.map((s) => `${s?.get('zk_last_zxid')}/${s?.get('zk_tree_digest')}`);
  };
  const got = await waitFor(
    'identical tree digests on every running member',
    probe,
    (d) => d.length > 0 && !d.some((x) => x.includes('undefined')) && new Set(d).size === 1,
    timeoutMs,
  );
  return got[0]!;
}

/** A client connected to exactly one member. */
export function clientOf(m: EnsembleMember, sessionTimeout = 6000): Promise<ZooKeeperClient> {
  return ZooKeeperClient.connect(`127.0.0.1:${m.clientPort}`, { sessionTimeout });
}

/** A client over the whole ensemble. */
export function clientAll(zk: Ensemble, sessionTimeout = 6000): Promise<ZooKeeperClient> {
  return ZooKeeperClient.connect(zk.connectString, { sessionTimeout, initialConnectTimeout: 30_000 });
}

/** Children of `path` as member `m` sees them after a sync. */
export async function childrenOn(m: EnsembleMember, path: string): Promise<string[]> {
  const c = await clientOf(m);
  try {
    await c.sync(path);
    return (await c.getChildren(path)).sort();
  } finally {
    await c.close();
  }
}

/** Empties a member's data dirs except myid (simulates a replaced disk). */
export function wipeData(m: EnsembleMember): void {
  for (const dir of [m.files.dataDir, m.files.dataLogDir]) {
    for (const name of readdirSync(dir)) {
      if (name !== 'myid') rmSync(join(dir, name), { recursive: true, force: true });
    }
  }
}
