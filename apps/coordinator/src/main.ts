/**
 * Start one coordinator member from a ZooKeeper-style config file:
 *   npm run coordinator -- path/to/zoo.cfg
 *   node dist/apps/coordinator/src/main.js path/to/zoo.cfg
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  parseMemberConfig,
  parsePlantedBugs,
} from '../../../libs/coordination/src/server/member-config.js';
import { CoordinatorServer } from '../../../libs/coordination/src/server/coordinator-server.js';
import { systemDeps } from '../../../libs/coordination/src/server/system-deps.js';
import {
  TestStorageConfigError,
  configureTestStorage,
} from '../../../libs/coordination/src/storage/test-storage.js';

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function main(): Promise<void> {
  const cfgPath = process.argv[2];
  if (!cfgPath) {
    console.error('usage: coordinator <zoo.cfg>');
    process.exit(2);
  }
  const text = await readFile(cfgPath, 'utf8');
  const dataDir = /^\s*dataDir\s*=\s*(.+)$/m.exec(text)?.[1]?.trim();
  const myId = dataDir ? await readOptional(join(dataDir, 'myid')) : undefined;
  const config = parseMemberConfig(text, myId);
  const plantedBugs = parsePlantedBugs(process.env['REGISTRAR_PLANTED_BUGS']);
  // Chaos testing only: crash-simulating storage (kill -9 = power loss) and storage planted bugs.
  const storageWarnings = configureTestStorage({
    storage: process.env['REGISTRAR_TEST_STORAGE'],
    crashPoints: process.env['REGISTRAR_TEST_CRASH_POINTS'],
    crashArmFile: process.env['REGISTRAR_TEST_CRASH_ARM_FILE'],
    fsyncDelayMs: process.env['REGISTRAR_TEST_FSYNC_DELAY_MS'],
    ackBeforeFsync: plantedBugs?.skipFsyncBeforeAck === true,
  });
  for (const w of storageWarnings) console.error(w);
  if (plantedBugs) {
    config.plantedBugs = plantedBugs;
    console.error(`WARNING: planted ZAB bugs enabled for chaos testing: ${JSON.stringify(plantedBugs)}`);
  }
  // The member's clock, randomness, logger and fatal-error exit are wired here, not inside it.
  const server = new CoordinatorServer(config, systemDeps());
  const { clientPort, adminPort } = await server.start();
  console.log(
    `registrar coordinator member ${config.myId} serving clients on ${config.clientPortAddress}:${clientPort}` +
      (adminPort ? `, admin on ${config.adminServerAddress}:${adminPort}` : '') +
      `, last zxid 0x${server.member.lastZxid.toString(16)}`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`received ${signal}, stopping`);
    await server.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((e) => {
  const isConfig = e instanceof ConfigError || e instanceof TestStorageConfigError;
  console.error(isConfig ? `config error: ${e.message}` : e);
  process.exit(isConfig ? 2 : 1);
});
