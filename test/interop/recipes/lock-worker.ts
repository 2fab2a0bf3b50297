/**
 * Contention worker, run as its own process: `node --import tsx lock-worker.ts <json args>`.
 * Opens `clients` sessions, each looping acquire -> log enter -> log exit -> release on one Lock,
 * until `perClient` acquisitions or `deadlineAt` (epoch ms). Prints one JSON summary line.
 */
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { Lock } from '../../../libs/coordination/src/recipes/lock.js';
import { appendLockLog } from './lock-log.js';

interface Args {
  connectString: string;
  lockPath: string;
  logFile: string;
  clients: number;
  perClient: number;
  deadlineAt: number;
  name: string;
}

const args = JSON.parse(process.argv[2]!) as Args;

interface ClientStats {
  acquired: number;
  waits: number;
  wakes: Record<string, number>;
}

async function runClient(i: number): Promise<ClientStats> {
  const who = `${args.name}.${i}`;
  const zk = await ZooKeeperClient.connect(args.connectString, { sessionTimeout: 15_000 });
  const lock = new Lock(zk, args.lockPath, { data: who });
  const stats: ClientStats = { acquired: 0, waits: 0, wakes: {} };
  lock.on('waiting', () => stats.waits++);
  lock.on('woken', (pred) => (stats.wakes[pred] = (stats.wakes[pred] ?? 0) + 1));
  try {
    while (stats.acquired < args.perClient && Date.now() < args.deadlineAt) {
      const { fencingToken } = await lock.acquire({ timeoutMs: 30_000 });
      appendLockLog(args.logFile, 'enter', fencingToken, who);
      stats.acquired++;
      appendLockLog(args.logFile, 'exit', fencingToken, who);
      await lock.release();
    }
  } finally {
    await zk.close();
  }
  return stats;
}

const all = await Promise.all(Array.from({ length: args.clients }, (_, i) => runClient(i)));
const summary = { acquired: 0, waits: 0, wakes: {} as Record<string, number> };
for (const s of all) {
  summary.acquired += s.acquired;
  summary.waits += s.waits;
  for (const [k, v] of Object.entries(s.wakes)) summary.wakes[k] = (summary.wakes[k] ?? 0) + v;
}
process.stdout.write(`${JSON.stringify(summary)}\n`);
