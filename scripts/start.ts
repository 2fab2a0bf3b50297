/**
 * `npm start`: the whole platform on loopback, from one command on a fresh clone.
 *
 * Builds when dist/ is missing or older than the sources, then starts (each a child process we own):
 * 3 coordinator members (a ZAB ensemble from dist, each with its own zoo.cfg, myid and data folder),
 * 2 instances of course-enrollment and of exam-registration (SQLite files shared per service), and
 * the gateway with the dashboard. Creates the staff account and a demo student, seeds a few courses
 * and exams through the API, prints the URLs and credentials, and streams every child's log with its
 * name in front. A child that dies is reported loudly and not restarted. Ctrl-C (or SIGTERM) stops
 * every child by PID: gateway first, coordinators last.
 *
 *   npm start -- --members 5 --instances 3
 *   npm start -- --coordinator zk1:2181,zk2:2181,zk3:2181     # an existing ensemble (Apache ZooKeeper too)
 *   npm start -- --data /tmp/registrar --port-offset 10000    # a second platform beside the first
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { buildNeeded, runBuild } from './platform/build-check.js';
import { PlatformClient } from './platform/platform-client.js';
import { httpOk, memberMode, StartupError, until } from './platform/readiness.js';
import { loadSecrets } from './platform/secrets.js';
import { ensureStudent, seedDemoData } from './platform/seed.js';
import { Supervisor, type Managed } from './platform/supervisor.js';
import {
  memberConfig,
  planTopology,
  TopologyError,
  type InstancePlan,
  type Topology,
} from './platform/topology.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const program = new Command()
  .name('npm start --')
  .description('Start the Registrar platform on loopback')
  .option('--members <n>', 'coordinator members to start (1 = standalone)', '3')
  .option('--instances <n>', 'instances of each service', '2')
  .option('--coordinator <connect>', 'use an existing ensemble (host:port,...) instead of starting members')
  .option('--data <dir>', 'data folder (coordinator data, SQLite files, logs)', '.data')
  .option('--port-offset <n>', 'add this to every port (run a second platform beside the first)', '0')
  .option('--tick <ms>', 'coordinator tickTime', '2000')
  .option('--log-format <format>', 'service log format: pretty | json', 'pretty')
  .option('--no-build', 'do not build, even when dist/ is stale')
  .option('--no-seed', 'do not create demo courses, exams and the demo student')
  .parse();

interface Options {
  members: string;
  instances: string;
  coordinator?: string;
  data: string;
  portOffset: string;
  tick: string;
  logFormat: string;
  build: boolean;
  seed: boolean;
}
const opts = program.opts<Options>();
const color = process.stdout.isTTY === true;
const red = (s: string) => (color ? `\x1b[1;31m${s}\x1b[0m` : s);
const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s: string) => process.stdout.write(`[start] ${s}\n`);

const dataDir = resolve(opts.data);
let topology: Topology;
try {
  topology = planTopology({
    members: Number(opts.members),
    instances: Number(opts.instances),
    coordinator: opts.coordinator,
    portOffset: Number(opts.portOffset),
    dataDir,
  });
} catch (err) {
  if (err instanceof TopologyError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
if (!['pretty', 'json'].includes(opts.logFormat)) {
  console.error('--log-format must be pretty or json');
  process.exit(2);
}

const adminEmail = process.env['REGISTRAR_ADMIN_EMAIL'] ?? 'staff@registrar.example';
const studentEmail = 'student@registrar.example';
const logDir = join(dataDir, 'logs');

const supervisor = new Supervisor({
  logDir: (mkdirSync(logDir, { recursive: true }), logDir),
  color,
  onUnexpectedExit: (m, code, signal) => {
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    process.stdout.write(
      '\n' +
        red(
          `!!! ${m.name} (pid ${m.pid}) ${how}. It is NOT restarted; the rest of the platform keeps running.`,
        ) +
        `\n${red('!!!')} Its log: ${join(logDir, `${m.name}.log`)}\n\n`,
    );
  },
});

// ---- stopping ------------------------------------------------------------------------------------
// One Ctrl-C can arrive several times within milliseconds: the terminal signals the whole process
// group and npm and tsx each relay it again. Only a signal well after the first means "hurry up".
let stopRequestedAt: number | undefined;
async function stop(code: number): Promise<never> {
  if (stopRequestedAt !== undefined) {
    if (Date.now() - stopRequestedAt < 2000) return new Promise<never>(() => {});
    say('second Ctrl-C: killing every child now');
    supervisor.killAll();
    process.exit(code);
  }
  stopRequestedAt = Date.now();
  say(`stopping ${supervisor.running().length} processes...`);
  await supervisor.stopAll(10_000, say);
  say('all processes stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGHUP', () => void stop(0)); // the terminal closed: its process group no longer reaches the children
process.on('exit', () => supervisor.killAll()); // our own crash must not leave children behind

// ---- helpers -------------------------------------------------------------------------------------
function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen({ host: '127.0.0.1', port, exclusive: true }, () => s.close(() => res(true)));
  });
}

function node(name: string, script: string, args: string[], env: Record<string, string>): Managed {
  return supervisor.start(name, process.execPath, [script, ...args], { ...process.env, ...env }, ROOT);
}

function serviceEnv(i: InstancePlan): Record<string, string> {
  const env: Record<string, string> = {
    COORDINATION_CONNECT_STRING: topology.connectString,
    HOST: '127.0.0.1',
    HTTP_PORT: String(i.httpPort),
    RPC_PORT: String(i.rpcPort),
    INSTANCE_ID: i.name,
    DATABASE_PATH: i.databasePath,
    LOG_FORMAT: opts.logFormat,
  };
  if (i.service === 'course-enrollment') {
    env['REGISTRAR_ADMIN_EMAIL'] = adminEmail;
    env['REGISTRAR_ADMIN_PASSWORD'] = adminPassword;
  }
  return env;
}

function startInstance(i: InstancePlan): Managed {
  return node(i.name, `dist/apps/${i.service}/src/main.js`, [], serviceEnv(i));
}

async function instanceHealthy(i: InstancePlan, m: Managed): Promise<void> {
  await until(`${i.name} to answer /health`, () => httpOk(`http://127.0.0.1:${i.httpPort}/health`), 120_000, [
    m,
  ]);
}

// ---- start ---------------------------------------------------------------------------------------
const secrets = (mkdirSync(dataDir, { recursive: true }), loadSecrets(dataDir));
const adminPassword = process.env['REGISTRAR_ADMIN_PASSWORD'] ?? secrets.adminPassword;

async function main(): Promise<void> {
  const busy = [];
  for (const p of topology.ports) if (!(await portFree(p))) busy.push(p);
  if (busy.length > 0) {
    throw new StartupError(
      `port(s) ${busy.join(', ')} on 127.0.0.1 are in use. Is another platform running? ` +
        'Stop it, or start this one with --port-offset 10000.',
    );
  }

  if (opts.build) {
    const why = buildNeeded(ROOT);
    if (why !== undefined) {
      say(`building (${why})...`);
      const code = await runBuild(ROOT);
      if (buildNeeded(ROOT) !== undefined) throw new StartupError('the build failed; see the errors above');
      if (code !== 0) say(red(`the build reported errors (exit ${code}); starting with what it emitted`));
    }
  } else if (buildNeeded(ROOT) !== undefined && !existsSync(join(ROOT, 'dist'))) {
    throw new StartupError('--no-build given but dist/ is missing: run npm run build');
  }

  // Coordinator members.
  const tick = Number(opts.tick);
  const members = topology.members.map((m) => {
    mkdirSync(m.dir, { recursive: true });
    writeFileSync(join(m.dir, 'zoo.cfg'), memberConfig(m, topology.members, tick));
    writeFileSync(join(m.dir, 'myid'), `${m.myid}\n`);
    return node(m.name, 'dist/apps/coordinator/src/main.js', [join(m.dir, 'zoo.cfg')], {});
  });
  if (members.length > 0) {
    say(`waiting for the ${members.length}-member ensemble to elect a leader...`);
    await until(
      'a coordinator leader with every member serving',
      async () => {
        const modes = await Promise.all(topology.members.map((m) => memberMode('127.0.0.1', m.clientPort)));
        return modes.every((x) => x !== undefined) && modes.some((x) => x === 'leader' || x === 'standalone');
      },
      60_000,
      members,
    );
  } else {
    say(`using the ensemble at ${topology.connectString}`);
  }

  // Services: the first instance of each alone (it runs the migrations), then the others together.
  const firsts = topology.instances.filter((i) => i.index === 1);
  const rest = topology.instances.filter((i) => i.index > 1);
  const started = new Map<InstancePlan, Managed>();
  for (const i of firsts) started.set(i, startInstance(i));
  await Promise.all(firsts.map((i) => instanceHealthy(i, started.get(i)!)));
  for (const i of rest) started.set(i, startInstance(i));
  await Promise.all(rest.map((i) => instanceHealthy(i, started.get(i)!)));

  const gatewayUrl = `http://127.0.0.1:${topology.gateway.httpPort}`;
  const gateway = node('gateway', 'dist/apps/gateway/src/main.js', [], {
    COORDINATION_CONNECT_STRING: topology.connectString,
    HOST: '127.0.0.1',
    HTTP_PORT: String(topology.gateway.httpPort),
    LOG_FORMAT: opts.logFormat,
  });
  await until('the gateway', () => httpOk(`${gatewayUrl}/health`), 60_000, [gateway]);
  const perService = Number(opts.instances);
  await until(
    'the gateway to see every instance healthy',
    async () => {
      const r = await fetch(`${gatewayUrl}/api/cluster`);
      const c = (await r.json()) as { services: Record<string, { healthy: boolean }[]> };
      return topology.instances.every(
        (i) => (c.services[i.service] ?? []).filter((x) => x.healthy).length >= perService,
      );
    },
    60_000,
    [gateway],
  );

  const client = new PlatformClient(gatewayUrl);
  let seedNote = 'demo data not seeded (--no-seed)';
  if (opts.seed) {
    const token = await client.login(adminEmail, adminPassword);
    const seeded = await seedDemoData(client, token);
    const student = await ensureStudent(client, studentEmail, secrets.studentPassword, 'Demo Student');
    seedNote =
      seeded.created.length > 0
        ? `seeded ${seeded.created.join(', ')}`
        : `demo data already present (${seeded.courses} courses)`;
    if (student === 'exists') seedNote += '; demo student already registered';
  }

  const lines = [
    '',
    bold('Registrar is running.'),
    '',
    `  Dashboard     ${bold(gatewayUrl + '/')}`,
    `  API docs      ${gatewayUrl}/docs`,
    `  Staff login   ${adminEmail} / ${adminPassword}${process.env['REGISTRAR_ADMIN_PASSWORD'] ? ' (from REGISTRAR_ADMIN_PASSWORD)' : ''}`,
    ...(opts.seed ? [`  Student login ${studentEmail} / ${secrets.studentPassword}`] : []),
    `  Coordinator   ${topology.connectString}`,
    ...topology.members.map(
      (m) =>
        `    ${m.name}: admin http://127.0.0.1:${m.adminPort}/commands  metrics http://127.0.0.1:${m.adminPort}/metrics`,
    ),
    ...topology.instances.map(
      (i) => `  ${i.name.padEnd(22)} http://127.0.0.1:${i.httpPort}  (rpc ${i.rpcPort})`,
    ),
    `  Data          ${dataDir}  (logs in ${logDir})`,
    `  ${seedNote}`,
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  say(`READY ${gatewayUrl}/`);
}

main().catch(async (err: unknown) => {
  process.stdout.write(
    '\n' + red(`!!! start-up failed: ${err instanceof Error ? err.message : String(err)}`) + '\n',
  );
  if (!(err instanceof StartupError) && err instanceof Error && err.stack)
    process.stdout.write(err.stack + '\n');
  await stop(1);
});
