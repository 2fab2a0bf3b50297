import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ensemble } from '../support/ensemble.js';
import { fourLetterWord, parseKeyValues, parseMntr } from '../support/four-letter-word.js';
import { describeEachTarget } from '../support/targets.js';
import { runZkCli } from '../support/zkcli.js';

describeEachTarget('four-letter words', (target) => {
  let zk: Ensemble;
  let port: number;
  const word = (w: string) => fourLetterWord(port, w);

  beforeAll(async () => {
    zk = await target.start();
    port = zk.members[0]!.clientPort;
    // One znode and one watch, so that wchs/dump have something to count.
    const r = await runZkCli({ server: zk.connectString, script: ['create /flw x', 'create -e /flw/e y'] });
    expect(r.lines).toEqual(['Created /flw', 'Created /flw/e']);
  });
  afterAll(async () => {
    await zk?.stop();
  });

  it('ruok answers exactly "imok" (no newline)', async () => {
    expect(await word('ruok')).toBe('imok');
  });

  it('isro answers exactly "rw" on a writable member', async () => {
    expect(await word('isro')).toBe('rw');
  });

  it('srvr reports version, latency, counters, zxid, mode and node count', async () => {
    const text = await word('srvr');
    expect(text).toMatch(/^Zookeeper version: 3\.8\./m);
    expect(text).toMatch(/^Latency min\/avg\/max: \d+\/[\d.]+\/\d+$/m);
    expect(text).toMatch(/^Received: \d+$/m);
    expect(text).toMatch(/^Sent: \d+$/m);
    expect(text).toMatch(/^Connections: \d+$/m);
    expect(text).toMatch(/^Outstanding: \d+$/m);
    expect(text).toMatch(/^Zxid: 0x[0-9a-f]+$/m);
    expect(text).toMatch(/^Mode: standalone$/m);
    // Visible: /, /zookeeper, /zookeeper/quota, /zookeeper/config, /flw (the ephemeral went with its
    // session) = 5, but Apache counts the root twice (it is stored under "" and "/"): 6.
    expect(text).toMatch(/^Node count: 6$/m);
  });

  it('stat is srvr plus a Clients: section listing this very connection', async () => {
    const text = await word('stat');
    expect(text).toMatch(/^Zookeeper version: 3\.8\./m);
    expect(text).toMatch(/^Clients:\n \/127\.0\.0\.1:\d+\[\d+\]\(queued=\d+,recved=\d+,sent=\d+\)$/m);
    expect(text).toMatch(/^Mode: standalone$/m);
  });

  it('mntr has tab-separated keys the usual dashboards read', async () => {
    const m = parseMntr(await word('mntr'));
    for (const key of [
      'zk_version',
      'zk_server_state',
      'zk_avg_latency',
      'zk_max_latency',
      'zk_min_latency',
      'zk_packets_received',
      'zk_packets_sent',
      'zk_num_alive_connections',
      'zk_outstanding_requests',
      'zk_znode_count',
      'zk_watch_count',
      'zk_ephemerals_count',
      'zk_approximate_data_size',
      'zk_open_file_descriptor_count',
      'zk_max_file_descriptor_count',
    ]) {
      expect(m.has(key), `mntr lacks ${key}`).toBe(true);
    }
    expect(m.get('zk_server_state')).toBe('standalone');
    expect(m.get('zk_znode_count')).toBe('6'); // root counted twice, as in srvr
    expect(m.get('zk_ephemerals_count')).toBe('0');
    expect(m.get('zk_num_alive_connections')).toBe('1');
  });

  it('mntr shows fsync time and txns per log flush (fsynctime, sync_processor_batch_size); srst resets them', async () => {
    const n = (m: Map<string, string>, k: string) => Number(m.get(k));
    expect(await word('srst')).toBe('Server stats reset.\n');
    let m = parseMntr(await word('mntr'));
    for (const name of ['fsynctime', 'sync_processor_batch_size'])
      for (const part of ['avg', 'min', 'max', 'cnt', 'sum'])
        expect(m.has(`zk_${part}_${name}`), `mntr lacks zk_${part}_${name}`).toBe(true);
    expect(n(m, 'zk_cnt_fsynctime')).toBe(0);
    expect(n(m, 'zk_cnt_sync_processor_batch_size')).toBe(0);

    // A session, three creates one after another, its close: at least five txns, each flushed and
    // fsynced (forceSync is on), in as many flushes as the log made of them.
    const r = await runZkCli({
      server: zk.connectString,
      script: ['create /flw-sync-1', 'create /flw-sync-2', 'create /flw-sync-3'],
    });
    expect(r.lines).toEqual(['Created /flw-sync-1', 'Created /flw-sync-2', 'Created /flw-sync-3']);
    m = parseMntr(await word('mntr'));
    const flushes = n(m, 'zk_cnt_sync_processor_batch_size');
    expect(n(m, 'zk_sum_sync_processor_batch_size')).toBeGreaterThanOrEqual(5);
    expect(flushes).toBeGreaterThanOrEqual(1);
    expect(n(m, 'zk_max_sync_processor_batch_size')).toBeGreaterThanOrEqual(1);
    expect(n(m, 'zk_cnt_fsynctime')).toBe(flushes);
    expect(n(m, 'zk_sum_fsynctime')).toBeGreaterThanOrEqual(0);
  });

  it('conf echoes the effective configuration', async () => {
    const c = parseKeyValues(await word('conf'));
    expect(c.get('clientPort')).toBe(String(port));
    expect(c.get('tickTime')).toBe('2000');
    // Defaults derived from tickTime: 2x and 20x.
    expect(c.get('minSessionTimeout')).toBe('4000');
    expect(c.get('maxSessionTimeout')).toBe('40000');
    expect(c.get('maxClientCnxns')).toBe('0');
    expect(c.get('serverId')).toBe('0');
    // ZooKeeper appends its version-2 subdirectory to the configured dirs.
    expect(c.get('dataDir')).toBe(`${zk.members[0]!.files.dataDir}/version-2`);
    expect(c.get('dataLogDir')).toBe(`${zk.members[0]!.files.dataLogDir}/version-2`);
  });

  it('cons lists the asking connection', async () => {
    expect(await word('cons')).toMatch(/^ \/127\.0\.0\.1:\d+\[\d+\]\(queued=\d+,recved=\d+,sent=\d+\)\n/);
  });

  it('envi starts with "Environment:" and has zookeeper.version and java/os keys', async () => {
    const text = await word('envi');
    expect(text.startsWith('Environment:\n')).toBe(true);
    const e = parseKeyValues(text);
    for (const key of ['zookeeper.version', 'host.name', 'java.version', 'os.name', 'user.dir']) {
      expect(e.has(key), `envi lacks ${key}`).toBe(true);
    }
  });

  it('wchs summarises watches', async () => {
    expect(await word('wchs')).toMatch(/^\d+ connections watching \d+ paths\nTotal watches:\d+\n$/);
  });

  it('dump has session tracker and ephemeral sections', async () => {
    const text = await word('dump');
    expect(text).toMatch(/^SessionTracker dump:$/m);
    expect(text).toMatch(/^ephemeral nodes dump:$/m);
    expect(text).toMatch(/^Sessions with Ephemerals \(0\):$/m);
  });

  it('an unknown four-letter word closes the connection without an answer', async () => {
    expect(await word('xyzw')).toBe('');
  });
});

describe('four-letter words helper', () => {
  it('parses mntr and key=value answers', () => {
    expect(parseMntr('a\t1\nb\tx y\n').get('b')).toBe('x y');
    expect(parseKeyValues('k=v=w\nno\n').get('k')).toBe('v=w');
  });
});
