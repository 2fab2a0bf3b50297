/**
 * Fault-test holder, run as its own process so the test can SIGSTOP it. Acquires the lock on a
 * short session, prints {"event":"acquired","token":N}; prints {"event":"lost"} when the lock reports
 * loss; on each stdin line "write" it writes the fenced resource with its (possibly stale) token
 * through a second, long-lived session and prints {"event":"write","ok":bool}: a process waking from
 * a long pause does exactly this before it notices it lost the lock.
 */
import { createInterface } from 'node:readline';
import { ZooKeeperClient } from '../../../libs/coordination/src/client/index.js';
import { Lock } from '../../../libs/coordination/src/recipes/lock.js';
import { fencedWrite } from './lock-fenced-resource.js';

interface Args {
  connectString: string;
  lockPath: string;
  fencePath: string;
  sessionTimeout: number;
}
const args = JSON.parse(process.argv[2]!) as Args;
const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const lockSession = await ZooKeeperClient.connect(args.connectString, {
  sessionTimeout: args.sessionTimeout,
});
const storeSession = await ZooKeeperClient.connect(args.connectString, { sessionTimeout: 30_000 });
const lock = new Lock(lockSession, args.lockPath, { data: 'holder-worker' });
lock.on('lost', (e) => say({ event: 'lost', code: e.code }));
const { fencingToken } = await lock.acquire();
say({ event: 'acquired', token: fencingToken, sessionTimeout: lockSession.sessionTimeout });

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'write')
    say({
      event: 'write',
      ok: await fencedWrite(storeSession, args.fencePath, fencingToken, 'stale-holder'),
    });
  if (line === 'exit') break;
}
await storeSession.close();
await lockSession.close().catch(() => undefined);
process.exit(0);
