import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ensemble, StartOptions } from './ensemble.js';
import { spawnMember } from './member-process.js';
import { startProcessEnsemble, type MemberLauncher } from './process-ensemble.js';

/** Where Debian's `zookeeper` 3.8 package puts things (see /usr/share/zookeeper/bin/zkEnv.sh). */
export const DEBIAN_ZOOKEEPER = {
  java: '/usr/bin/java',
  confDir: '/etc/zookeeper/conf',
  jar: '/usr/share/java/zookeeper.jar',
  zkCli: '/usr/share/zookeeper/bin/zkCli.sh',
  // zookeeper.jar's manifest Class-Path brings every dependency, including slf4j-api, but no slf4j
  // binding: by default ZooKeeper logs nothing (and prints "SLF4J: Failed to load class ..."). Adding
  // the slf4j -> log4j 1.2 binding lets a log4j.properties of ours decide where logs go.
  logJars: ['/usr/share/java/slf4j-log4j12.jar', '/usr/share/java/log4j-1.2.jar'],
} as const;

/** Classpath for Debian's ZooKeeper plus the log4j binding (conf dir first, as zkEnv.sh does). */
export function debianZooKeeperClasspath(): string {
  return [DEBIAN_ZOOKEEPER.confDir, DEBIAN_ZOOKEEPER.jar, ...DEBIAN_ZOOKEEPER.logJars].join(':');
}

/** True when the Debian package's jar and a JVM are present. */
export function apacheZooKeeperAvailable(): boolean {
  return existsSync(DEBIAN_ZOOKEEPER.jar) && existsSync(DEBIAN_ZOOKEEPER.java);
}

/**
 * Writes a log4j 1.2 config into `dir`. With a `logFile`, everything at INFO+ goes to that file;
 * without, logging is switched off (what zkCli needs). Never logs to the console.
 */
export function writeLog4jConfig(dir: string, logFile?: string): string {
  const path = join(dir, 'log4j.properties');
  const lines =
    logFile === undefined
      ? ['log4j.rootLogger=OFF']
      : [
          'log4j.rootLogger=INFO, FILE',
          'log4j.appender.FILE=org.apache.log4j.FileAppender',
          `log4j.appender.FILE.File=${logFile}`,
          'log4j.appender.FILE.layout=org.apache.log4j.PatternLayout',
          'log4j.appender.FILE.layout.ConversionPattern=%d{ISO8601} %-5p [%t:%C{1}@%L] - %m%n',
        ];
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

const apacheLauncher: MemberLauncher = {
  label: 'Apache ZooKeeper',
  dirPrefix: 'registrar-apache-zk-',
  prepare(files) {
    const zkLog = join(files.dir, 'zookeeper.log');
    writeLog4jConfig(files.dir, zkLog);
    return [zkLog];
  },
  spawn(spec, files, standalone) {
    const mainClass = standalone
      ? 'org.apache.zookeeper.server.ZooKeeperServerMain'
      : 'org.apache.zookeeper.server.quorum.QuorumPeerMain';
    const quickStart =
      spec.apacheJvm === 'stock' ? [] : ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
    const args = [
      ...quickStart,
      '-cp',
      debianZooKeeperClasspath(),
      `-Dlog4j.configuration=file:${join(files.dir, 'log4j.properties')}`,
      '-Dzookeeper.extendedTypesEnabled=true',
      '-Dzookeeper.4lw.commands.whitelist=*',
      ...(spec.adminPort === undefined ? ['-Dzookeeper.admin.enableServer=false'] : []),
      '-Dzookeeper.jmx.log4j.disable=true',
      mainClass,
      files.cfgPath,
    ];
    return spawnMember(DEBIAN_ZOOKEEPER.java, args, { outFile: files.logFile });
  },
};

/**
 * Starts Apache ZooKeeper 3.8 (Debian's package) on 127.0.0.1 with temp data dirs: standalone via
 * ZooKeeperServerMain, or `members: n` QuorumPeerMain processes (one per member, own dataDir/myid/ports).
 * Resolves once every member answers `ruok` with `imok` and `srvr` reports a mode.
 *
 * @example
 * const zk = await startApacheZooKeeper({ members: 3 });
 * try { ... zk.connectString ... } finally { await zk.stop(); }
 */
export async function startApacheZooKeeper(opts: StartOptions = {}): Promise<Ensemble> {
  if (!apacheZooKeeperAvailable()) {
    throw new Error(
      `Apache ZooKeeper not found (${DEBIAN_ZOOKEEPER.jar}); run: bash scripts/install-test-deps.sh`,
    );
  }
  return startProcessEnsemble(apacheLauncher, opts);
}
