/**
 * `npm start`: the platform on loopback with embedded defaults. Data lives under ./.data; every
 * child is started by us and stopped by PID on Ctrl-C.
 *
 * Today this starts the coordinator: by default a real 3-member ZAB ensemble on the DESIGN.md ports
 * (client 2180+i, quorum 2880+i, election 3880+i, admin 8080+i), each member with its own data
 * folder, zoo.cfg and myid. `--members 1` starts a standalone member (no server.N lines).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';

const program = new Command()
  .name('start')
  .option('--members <n>', 'coordinator members (1 = standalone, else a ZAB ensemble)', '3')
  .option('--data <dir>', 'data folder', '.data')
  .option('--tick <ms>', 'tickTime', '2000')
  .parse();
const opts = program.opts<{ members: string; data: string; tick: string }>();
const members = Number(opts.members);
const root = resolve(opts.data);
const children: ChildProcess[] = [];
if (!Number.isInteger(members) || members < 1 || members > 5) {
  console.error('--members must be 1..5 (DESIGN.md ports)');
  process.exit(2);
}
// Every member lists every member (server.N=host:quorum:election;clientHost:clientPort), as zoo.cfg does.
const serverLines =
  members > 1
    ? Array.from(
        { length: members },
        (_, k) => `server.${k + 1}=127.0.0.1:${2881 + k}:${3881 + k};127.0.0.1:${2181 + k}`,
      )
    : [];

for (let i = 1; i <= members; i++) {
  const dir = join(root, `coordinator-${i}`);
  mkdirSync(dir, { recursive: true });
  const cfg = [
    `tickTime=${opts.tick}`,
    'initLimit=10',
    'syncLimit=5',
    `dataDir=${dir}`,
    `clientPort=${2180 + i}`,
    'clientPortAddress=127.0.0.1',
    `admin.serverPort=${8080 + i}`,
    'admin.serverAddress=127.0.0.1',
    '4lw.commands.whitelist=*',
    'autopurge.snapRetainCount=3',
    'autopurge.purgeInterval=1',
    ...serverLines,
  ].join('\n');
  writeFileSync(join(dir, 'zoo.cfg'), cfg + '\n');
  writeFileSync(join(dir, 'myid'), `${i}\n`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'apps/coordinator/src/main.ts', join(dir, 'zoo.cfg')],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  children.push(child);
  child.on('exit', (code, signal) => {
    console.log(`coordinator-${i} (pid ${child.pid}) exited (${signal ?? code})`);
  });
}

const hosts = Array.from({ length: members }, (_, k) => `127.0.0.1:${2181 + k}`).join(',');
console.log(
  `\nRegistrar is starting (${members > 1 ? `${members}-member ZAB ensemble` : 'standalone member'}). Connect string: ${hosts}`,
);
for (let i = 1; i <= members; i++)
  console.log(
    `  member ${i}: admin http://127.0.0.1:${8080 + i}/commands  metrics http://127.0.0.1:${8080 + i}/metrics`,
  );
console.log('Press Ctrl-C to stop.\n');

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGTERM');
  const deadline = setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
    process.exit(0);
  }, 5000);
  deadline.unref();
  Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once('exit', r))))).then(
    () => process.exit(0),
  );
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
