/**
 * Our member's storage life cycle and server-side reaping: snapshots taken while writes go on,
 * recovery from snapshot + log after a restart (and after SIGKILL), purge keeping the retained
 * snapshots, and container / TTL nodes reaped by the member itself.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request } from '../../libs/coordination/src/protocol/records.js';
import type { Ensemble } from '../support/ensemble.js';
import { fourLetterWord, parseMntr } from '../support/four-letter-word.js';
import { RawSession } from '../support/raw-session.js';
import { startRegistrar } from '../support/registrar-member.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const create = (path: string, data = '', flags = 0): Request => ({
  op: 'create',
  path,
  data: Buffer.from(data),
  acl: OPEN,
  flags,
});

function versionDir(zk: Ensemble): string {
  return join(zk.members[0]!.files.dataDir, 'version-2');
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('snapshots, recovery and purge', () => {
  let zk: Ensemble;
  beforeAll(async () => {
    zk = await startRegistrar({
      extra: { snapCount: 40, 'autopurge.snapRetainCount': 3, 'autopurge.purgeInterval': 1 },
    });
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('snapshots during a write stream, purges old files, and recovers everything after SIGKILL', async () => {
    const port = zk.members[0]!.clientPort;
    const { raw } = await RawSession.session(port);
    await raw.call(create('/s'));
    const reqs: Request[] = [];
    for (let i = 0; i < 600; i++) reqs.push(create(`/s/n${i}`, `v${i}`));
    for (let i = 0; i < 600; i += 3)
      reqs.push({ op: 'setData', path: `/s/n${i}`, data: Buffer.from(`w${i}`), version: 0 });
    for (let i = 1; i < 600; i += 5) reqs.push({ op: 'delete', path: `/s/n${i}`, version: -1 });
    // Waves of pipelined writes, so several snapshots start (one at a time) while writes continue.
    for (let at = 0; at < reqs.length; at += 60) {
      const wave = reqs.slice(at, at + 60);
      raw.burst(wave);
      for (let i = 0; i < wave.length; i++) expect((await raw.reply(10_000))!.err).toBe(0);
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor('snapshots', async () =>
      Number(parseMntr(await fourLetterWord(port, 'mntr')).get('zk_snapshots_taken')) > 3 ? true : undefined,
    );
    const before = parseMntr(await fourLetterWord(port, 'mntr'));

    const files = await waitFor('purge', async () => {
      const names = readdirSync(versionDir(zk));
      return names.filter((n) => n.startsWith('snapshot.') && !n.endsWith('.tmp')).length <= 3
        ? names
        : undefined;
    });
    expect(files.filter((n) => n.startsWith('snapshot.')).length).toBeGreaterThan(0);
    raw.close();

    await zk.kill(0, 'SIGKILL');
    await zk.restart(0);
    const after = await RawSession.session(port);
    const kids = await after.raw.call({ op: 'getAllChildrenNumber', path: '/s' });
    expect(kids!.err).toBe(0);
    expect(kids!.body.readInt32BE(0)).toBe(600 - 120);
    for (const i of [0, 3, 597, 599]) {
      const r = await after.raw.call({ op: 'getData', path: `/s/n${i}`, watch: false });
      expect(r!.err, `n${i}`).toBe(0);
      expect(r!.body.subarray(4, 4 + r!.body.readInt32BE(0)).toString()).toBe(
        i % 3 === 0 ? `w${i}` : `v${i}`,
      );
    }
    expect((await after.raw.call({ op: 'exists', path: '/s/n1', watch: false }))!.err).toBe(-101);
    const mntr = parseMntr(await fourLetterWord(port, 'mntr'));
    expect(Number(mntr.get('zk_last_zxid'))).toBeGreaterThanOrEqual(Number(before.get('zk_last_zxid')));
    expect(Number(mntr.get('zk_znode_count'))).toBe(Number(before.get('zk_znode_count')));
    after.raw.close();
  });
});

describe('containers and TTL nodes', () => {
  let zk: Ensemble;
  beforeAll(async () => {
    zk = await startRegistrar({ extra: { 'znode.container.checkIntervalMs': 100 } });
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('reaps a container once its last child is gone, and a TTL node once its TTL passed', async () => {
    const port = zk.members[0]!.clientPort;
    const { raw } = await RawSession.session(port);
    expect(
      (await raw.call({ op: 'createContainer', path: '/box', data: Buffer.alloc(0), acl: OPEN, flags: 4 }))!
        .err,
    ).toBe(0);
    expect((await raw.call(create('/box/item')))!.err).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect((await raw.call({ op: 'exists', path: '/box', watch: false }))!.err).toBe(0); // has a child: stays
    await raw.call({ op: 'delete', path: '/box/item', version: -1 });
    await waitFor('container reaped', async () =>
      (await raw.call({ op: 'exists', path: '/box', watch: false }))!.err === -101 ? true : undefined,
    );

    const ttl = await raw.call({
      op: 'createTTL',
      path: '/ttl',
      data: Buffer.alloc(0),
      acl: OPEN,
      flags: 5,
      ttl: 300,
    });
    expect(ttl!.err).toBe(0);
    expect((await raw.call({ op: 'exists', path: '/ttl', watch: false }))!.err).toBe(0);
    await waitFor('ttl reaped', async () =>
      (await raw.call({ op: 'exists', path: '/ttl', watch: false }))!.err === -101 ? true : undefined,
    );
    raw.close();
  });
});
