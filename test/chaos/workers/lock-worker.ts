/**
 * A lock client in its own process, for the fenced-resource scenario: the harness SIGSTOPs it to
 * play Kleppmann's paused lock holder. It loops: acquire the lock, check it still holds it, wait a
 * little (where a SIGSTOP lands), ask the harness's resource to write with its fencing token, prove
 * with a write on its own lock node whether it still holds it, release.
 *
 * Usage: node --import tsx lock-worker.ts <name> <connectString> <lockPath> <sessionTimeoutMs> <seed>
 * Talks JSON lines: events on stdout (times are process.hrtime nanoseconds, the machine's monotonic
 * clock, as strings), write answers and {"t":"stop"} on stdin. Exits after stop or when stdin ends.
 */
import { createInterface } from 'node:readline';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/zookeeper-client.js';
import { Lock } from '../../../libs/coordination/src/recipes/lock.js';
import { SeededRng } from '../../../libs/coordination/src/testing/seeded-rng.js';

/** Messages a worker sends. */
export type WorkerEvent =
  | { t: 'acquiring'; at: string }
  | { t: 'acquired'; at: string; token: number }
  | { t: 'acquire-failed'; at: string; reason: string }
  | { t: 'write'; id: number; token: number; at: string }
  | { t: 'released'; at: string }
  /** After its write: setData on its own lock node, invoked at `at`; alive when it succeeded. */
  | { t: 'proof'; token: number; at: string; alive: boolean }
  | { t: 'expired'; at: string };

/** Messages a worker receives. */
export type HarnessMessage = { t: 'write-result'; id: number; accepted: boolean } | { t: 'stop' };

const [name = 'w', connectString = '', lockPath = '/chaos/fenced/lock', timeoutArg = '3000', seedArg = '1'] =
  process.argv.slice(2);
const sessionTimeout = Number(timeoutArg);
const rng = new SeededRng(Number(seedArg));
const now = () => process.hrtime.bigint().toString();
const send = (e: WorkerEvent) => {
  process.stdout.write(JSON.stringify(e) + '\n');
};

let stopping = false;
const answers = new Map<number, (accepted: boolean) => void>();
const stdin = createInterface({ input: process.stdin });
stdin.on('line', (line) => {
  const m = JSON.parse(line) as HarnessMessage;
  if (m.t === 'stop') stopping = true;
  else answers.get(m.id)?.(m.accepted);
});
stdin.on('close', () => {
  stopping = true;
});
process.stdout.on('error', () => process.exit(0)); // the harness is gone

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let nextWrite = 0;
function write(token: number): Promise<boolean | undefined> {
  const id = nextWrite++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      answers.delete(id);
      resolve(undefined);
    }, 5000);
    answers.set(id, (accepted) => {
      clearTimeout(timer);
      answers.delete(id);
      resolve(accepted);
    });
    send({ t: 'write', id, token, at: now() });
  });
}

async function bounded(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** setData on `node`: true if it succeeded within 5 s (the node existed), false otherwise. */
async function provesAlive(zk: ZooKeeperClient, node: string, data: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      zk.setData(node, data, -1).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

async function main(): Promise<void> {
  let zk: ZooKeeperClient | undefined;
  while (!stopping) {
    if (zk !== undefined && (zk.state === 'EXPIRED' || zk.state === 'CLOSED')) {
      if (zk.state === 'EXPIRED') send({ t: 'expired', at: now() });
      void bounded(zk.close(), 1000);
      zk = undefined;
    }
    if (zk === undefined) {
      try {
        zk = await ZooKeeperClient.connect(connectString, { sessionTimeout, initialConnectTimeout: 3000 });
      } catch {
        await sleep(200);
        continue;
      }
    }
    const lock = new Lock(zk, lockPath, { data: name });
    send({ t: 'acquiring', at: now() });
    let token: number;
    let node: string;
    try {
      ({ fencingToken: token, path: node } = await lock.acquire({ timeoutMs: 8000 }));
    } catch (err) {
      send({ t: 'acquire-failed', at: now(), reason: String(err).slice(0, 200) });
      await sleep(50);
      continue;
    }
    send({ t: 'acquired', at: now(), token });
    // The usual "am I still the owner?" check; the pause that follows it is what fencing is for.
    if (lock.isHeld) {
      await sleep(rng.between(20, 200));
      await write(token);
    }
    // Still the holder? A quorum write on our own node says whether it exists now: after a newer
    // grant it must not (the harness checks that; see fencing-checks.ts).
    const proofAt = now();
    const alive = await provesAlive(zk, node, name);
    send({ t: 'proof', token, at: proofAt, alive });
    send({ t: 'released', at: now() });
    await bounded(lock.release(), sessionTimeout + 1000);
    await sleep(rng.int(20));
  }
  if (zk !== undefined) await bounded(zk.close(), 2000);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`${name}:`, err);
    process.exit(1);
  },
);
