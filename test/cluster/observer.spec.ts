/**
 * An observer (`server.N=...:observer`): it serves clients and receives every commit, but it never
 * votes, so two voters plus an observer lose their quorum when one voter dies.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planMembers } from '../support/ensemble.js';
import { spawnMember, stopMember, waitUntilServing, type MemberProcess } from '../support/member-process.js';
import { REGISTRAR_MAIN, REPO_ROOT } from '../support/registrar-member.js';
import { writeZkConfig, type MemberFiles, type MemberSpec } from '../support/zk-config.js';
import { FAST, childrenOn, mntr, waitFor } from './cluster-support.js';
import type { EnsembleMember } from '../support/ensemble.js';

interface Slot {
  spec: MemberSpec;
  files: MemberFiles;
  proc: MemberProcess;
  member: EnsembleMember;
}

describe('2 voters + 1 observer', () => {
  const slots: Slot[] = [];
  beforeAll(async () => {
    const specs = await planMembers({ members: 3, ...FAST });
    const obs = specs[2]!.servers!.find((s) => s.id === 3)!;
    // zoo.cfg's last server.3 line wins: mark member 3 an observer on every member
    const observerLine = {
      'server.3': `127.0.0.1:${obs.quorumPort}:${obs.electionPort}:observer;127.0.0.1:${obs.clientPort}`,
    };
    for (const spec of specs) {
      const s = { ...spec, extra: { ...spec.extra, ...observerLine } };
      const files = writeZkConfig(s, 'registrar-observer-');
      const proc = spawnMember(process.execPath, ['--import', 'tsx', REGISTRAR_MAIN, files.cfgPath], {
        cwd: REPO_ROOT,
        outFile: files.logFile,
      });
      slots.push({
        spec: s,
        files,
        proc,
        member: { id: s.myid, pid: proc.pid, clientPort: s.clientPort, files, running: true },
      });
    }
    await Promise.all(
      slots.map((sl) => waitUntilServing(sl.proc, sl.spec.clientPort, { label: `member ${sl.spec.myid}` })),
    );
  });
  afterAll(async () => {
    await Promise.all(slots.map((sl) => stopMember(sl.proc)));
    if (process.env['KEEP_TEST_DIRS'] !== '1')
      for (const sl of slots) rmSync(sl.files.dir, { recursive: true, force: true });
  });

  it('the observer serves writes and reads; without a second voter nobody serves', async () => {
    const modes = async () =>
      Promise.all(slots.map((sl) => mntr(sl.member).then((s) => s?.get('zk_server_state'))));
    const m = await waitFor('roles', modes, (x) => x[2] === 'observer' && x.includes('leader'));
    expect([...m].sort()).toEqual(['follower', 'leader', 'observer']);
    const leader = await mntr(slots[m.indexOf('leader')]!.member);
    expect(leader?.get('zk_synced_followers')).toBe('1');
    expect(leader?.get('zk_synced_observers')).toBe('1');

    const { ZooKeeperClient } = await import('../../libs/coordination/src/client/zookeeper-client.js');
    const c = await ZooKeeperClient.connect(`127.0.0.1:${slots[2]!.spec.clientPort}`, {
      sessionTimeout: 6000,
    });
    try {
      await c.create('/obs', Buffer.alloc(0));
      for (let i = 0; i < 10; i++) await c.create(`/obs/n${i}`, Buffer.alloc(0));
    } finally {
      await c.close();
    }
    for (const sl of slots) expect((await childrenOn(sl.member, '/obs')).length).toBe(10);

    // Kill the follower: the leader has only itself among voters (1 of 2), so it must step down,
    // and the observer stops serving with it.
    const follower = slots[m.indexOf('follower')]!;
    follower.proc.child.kill('SIGKILL');
    await follower.proc.exited;
    follower.member.running = false;
    const after = await waitFor(
      'leader and observer out of service',
      () =>
        Promise.all([0, 1, 2].map((i) => (slots[i]!.member.running ? modes().then((x) => x[i]) : 'down'))),
      (x) => !x.includes('leader') && !x.includes('observer'),
    );
    expect(after.filter((x) => x === 'down')).toHaveLength(1);
  });
});
