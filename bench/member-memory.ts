/**
 * Where a member's resident memory goes with N 100-byte znodes (default 1,000,000): starts one
 * built member (npm run build first) with bench/heap-probe-preload.mjs, loads the tree as
 * `npm run bench -- coordinator --memory-nodes N` does (pipelined creates, 1000 per parent), reads
 * RSS from /proc 2 s later, then has the member print its V8 heap spaces before and after a full GC.
 * Extra V8 flags for the member may follow N (e.g. --max-semi-space-size=4).
 *
 *   npx tsx bench/member-memory.ts 1000000
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ZooKeeperClient } from '../libs/coordination/src/client/zookeeper-client.js';
import { startRegistrar } from '../test/support/registrar-member.js';
import { sampleProcess } from './process-stats.js';
import { VALUE } from './workloads.js';

const count = Number(process.argv[2] ?? 1_000_000);
const v8Flags = process.argv.slice(3).join(' ');
const preload = fileURLToPath(new URL('./heap-probe-preload.mjs', import.meta.url));
const mib = (b: number) => (b / 1048576).toFixed(0);

const ens = await startRegistrar({
  members: 1,
  extra: { forceSync: 'yes' },
  registrarFrom: 'dist',
  env: { NODE_OPTIONS: `--expose-gc --import ${preload} ${v8Flags}`.trim() },
});
const member = ens.members[0]!;
try {
  const client = await ZooKeeperClient.connect(ens.connectString, { sessionTimeout: 30_000 });
  await client.create('/mem');
  const fanout = 1000;
  for (let d = 0; d < Math.ceil(count / fanout); d++) await client.create(`/mem/d${d}`);
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: 256 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await client.create(`/mem/d${Math.floor(i / fanout)}/n${i % fanout}`, VALUE);
      }
    }),
  );
  console.log(`loaded ${count} znodes in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  await new Promise((r) => setTimeout(r, 2000));
  const s = sampleProcess(member.pid)!;
  console.log(
    `member RSS ${mib(s.rssBytes)} MiB, peak ${mib(s.peakRssBytes)} MiB${v8Flags ? ` (${v8Flags})` : ''}`,
  );
  process.kill(member.pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 3000));
  const log = readFileSync(member.files.logFile, 'utf8');
  for (const line of log.split('\n')) if (line.startsWith('HEAP-PROBE')) console.log(line);
  await client.close();
} catch (err) {
  // The member's log goes with its temp dir on stop: show its end first.
  console.error(readFileSync(member.files.logFile, 'utf8').split('\n').slice(-40).join('\n'));
  throw err;
} finally {
  await ens.stop();
}
