import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { fourLetterWord } from '../support/four-letter-word.js';
import { describeEachTarget } from '../support/targets.js';
import { runZkCli } from '../support/zkcli.js';

async function modeOf(port: number): Promise<string> {
  try {
    return /^Mode: (\w+)$/m.exec(await fourLetterWord(port, 'srvr'))?.[1] ?? 'none';
  } catch {
    return 'down';
  }
}

async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!ok(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

describeEachTarget(
  '3-member ensemble',
  (target) => {
    let zk: Ensemble;
    const at = (i: number) => `127.0.0.1:${zk.members[i]!.clientPort}`;
    const modes = () =>
      Promise.all(zk.members.map((m) => (m.running ? modeOf(m.clientPort) : Promise.resolve('down'))));

    beforeAll(async () => {
      zk = await target.start({ members: 3 });
    });
    afterAll(async () => {
      await zk?.stop();
    });

    it('elects exactly one leader and two followers', async () => {
      expect((await modes()).sort()).toEqual(['follower', 'follower', 'leader']);
      expect(zk.connectString.split(',')).toHaveLength(3);
      expect(new Set(zk.members.map((m) => m.pid)).size).toBe(3);
    });

    it('a write through one member is read through another; /zookeeper/config lists the members', async () => {
      expect((await runZkCli({ server: at(0), script: ['create /ens hello'] })).lines).toEqual([
        'Created /ens',
      ]);
      expect((await runZkCli({ server: at(2), script: ['sync /ens', 'get /ens'] })).lines).toEqual([
        'Sync is OK',
        'hello',
      ]);
      const config = (await runZkCli({ server: at(1), script: ['config'] })).lines;
      for (const m of zk.members) {
        expect(config).toContain(
          `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}:participant;127.0.0.1:${m.clientPort}`,
        );
      }
      expect(config.at(-1)).toMatch(/^version=[0-9a-f]+$/);
    });

    it('survives the leader being killed, and the restarted member rejoins as a follower', async () => {
      const leader = (await modes()).indexOf('leader');
      expect(leader).toBeGreaterThanOrEqual(0);
      await zk.kill(leader, 'SIGKILL');
      const after = await waitFor(modes, (m) => m.filter((x) => x === 'leader').length === 1);
      expect(after.filter((x) => x === 'leader')).toHaveLength(1);
      expect(after[leader]).toBe('down');
      const survivor = after.indexOf('follower');
      expect(
        (await runZkCli({ server: at(survivor), script: ['sync /ens', 'get /ens', 'create /ens/after x'] }))
          .lines,
      ).toEqual(['Sync is OK', 'hello', 'Created /ens/after']);
      await zk.restart(leader);
      const rejoined = await waitFor(
        () => modeOf(zk.members[leader]!.clientPort),
        (m) => m === 'follower',
      );
      expect(rejoined).toBe('follower');
      expect((await runZkCli({ server: at(leader), script: ['sync /ens', 'ls /ens'] })).lines).toEqual([
        'Sync is OK',
        '[after]',
      ]);
    });

    it('zkCli with the connect string listing all members works while one member is down', async () => {
      const victim = (await modes()).indexOf('follower');
      await zk.kill(victim, 'SIGKILL');
      // Put the dead member first so the client has to move on; -waitforconnection holds the script
      // until a live member has taken the session.
      const order = [victim, ...[0, 1, 2].filter((i) => i !== victim)];
      const all = order.map((i) => at(i)).join(',');
      const run = await runZkCli({
        server: all,
        args: ['-waitforconnection', '-timeout', '10000'],
        script: ['create /ens/all-members v', 'sync /ens', 'get /ens/all-members', 'ls /ens'],
      });
      expect(run.lines).toEqual(['Created /ens/all-members', 'Sync is OK', 'v', '[after, all-members]']);
      await zk.restart(victim);
    });
  },
  { needs: ['ensemble'] },
);
