/**
 * zoo.cfg parsing: the same file format Apache ZooKeeper reads, so an operator can move a config
 * between the two. Parsing is pure (text in, config out); reading files is the caller's job.
 */
import { DEFAULT_MAX_PACKET } from '../protocol/constants.js';
import { FOUR_LETTER_WORDS } from '../protocol/four-letter-words.js';

export interface PeerSpec {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
  observer: boolean;
  clientHost?: string;
  clientPort?: number;
}

export interface MemberConfig {
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  dataDir: string;
  dataLogDir: string;
  clientPort: number;
  clientPortAddress: string;
  maxClientCnxns: number;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  autopurgeSnapRetainCount: number;
  /** hours; 0 disables purging. */
  autopurgePurgeInterval: number;
  fourLetterWords: Set<string>;
  adminEnabled: boolean;
  adminServerAddress: string;
  adminServerPort: number;
  maxPacket: number;
  snapCount: number;
  forceSync: boolean;
  extendedTypesEnabled: boolean;
  containerCheckIntervalMs: number;
  superDigest?: string;
  peers: PeerSpec[];
  /** filled from dataDir/myid by the caller when peers are listed. */
  myId: number;
  /** key=value lines we did not interpret, kept for `conf`. */
  extra: Record<string, string>;
  /**
   * Deliberate ZAB bugs for the chaos suite to catch (see {@link parsePlantedBugs}). Never read from
   * zoo.cfg, so no production config can switch them on.
   */
  plantedBugs?: PlantedBugs;
}

/** Planted bugs: the leader commits before a quorum acked, or sends DIFF where TRUNC is needed. */
export interface PlantedBugs {
  commitWithoutQuorum?: boolean;
  skipTrunc?: boolean;
  /**
   * A follower applies each data txn (not createSession/closeSession) to what its clients read the
   * moment the proposal arrives, before any quorum acked it (commit-pipeline.ts).
   */
  followerReadAhead?: boolean;
  /** The leader answers sync at once, without the quorum round proving it still leads (ZabPeer). */
  syncWithoutQuorum?: boolean;
  /** The leader's session tracker expires sessions after a quarter of their timeout. */
  earlyExpiry?: boolean;
  /** The txn log acknowledges appends before their fsync (storage/txn-log.ts). */
  skipFsyncBeforeAck?: boolean;
  /** After a TRUNC the member keeps the log tail it applied at recovery instead of rebuilding. */
  applyUncommittedTail?: boolean;
}

const PLANTED_BUG_NAMES: Record<string, keyof PlantedBugs> = {
  'commit-without-quorum': 'commitWithoutQuorum',
  'skip-trunc': 'skipTrunc',
  'follower-read-ahead': 'followerReadAhead',
  'sync-without-quorum': 'syncWithoutQuorum',
  'early-expiry': 'earlyExpiry',
  'skip-fsync-before-ack': 'skipFsyncBeforeAck',
  'apply-uncommitted-tail': 'applyUncommittedTail',
};

/**
 * Parses the REGISTRAR_PLANTED_BUGS variable ("commit-without-quorum,skip-trunc"); undefined or
 * empty means none. Unknown names are a ConfigError so a typo cannot silently test the real code.
 */
export function parsePlantedBugs(value: string | undefined): PlantedBugs | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const bugs: PlantedBugs = {};
  for (const raw of value.split(',')) {
    const name = raw.trim();
    const key = PLANTED_BUG_NAMES[name];
    if (key === undefined) {
      throw new ConfigError(
        `REGISTRAR_PLANTED_BUGS: unknown bug "${name}" (known: ${Object.keys(PLANTED_BUG_NAMES).join(', ')})`,
      );
    }
    bugs[key] = true;
  }
  return bugs;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const ALL_FOUR_LETTER_WORDS: readonly string[] = FOUR_LETTER_WORDS;

function int(key: string, value: string, min = 0): number {
  if (!/^-?\d+$/.test(value.trim())) throw new ConfigError(`${key}: expected an integer, got "${value}"`);
  const n = Number(value.trim());
  if (n < min) throw new ConfigError(`${key}: must be >= ${min}, got ${n}`);
  return n;
}

function bool(key: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', 'yes', '1'].includes(v)) return true;
  if (['false', 'no', '0'].includes(v)) return false;
  throw new ConfigError(`${key}: expected true/false, got "${value}"`);
}

/** server.N=host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort] */
export function parsePeer(key: string, value: string): PeerSpec {
  const id = int(key, key.slice('server.'.length), 0);
  const [quorumPart, clientPart] = value.split(';', 2);
  const parts = quorumPart.trim().split(':');
  if (parts.length < 3 || parts.length > 4) {
    throw new ConfigError(`${key}: expected host:quorumPort:electionPort[:observer], got "${value}"`);
  }
  const [host, qp, ep, role] = parts;
  if (role !== undefined && role !== 'observer' && role !== 'participant') {
    throw new ConfigError(`${key}: unknown role "${role}"`);
  }
  const peer: PeerSpec = {
    id,
    host,
    quorumPort: int(`${key} quorum port`, qp, 1),
    electionPort: int(`${key} election port`, ep, 1),
    observer: role === 'observer',
  };
  if (clientPart !== undefined && clientPart.trim() !== '') {
    const c = clientPart.trim();
    const idx = c.lastIndexOf(':');
    if (idx >= 0) {
      peer.clientHost = c.slice(0, idx);
      peer.clientPort = int(`${key} client port`, c.slice(idx + 1), 1);
    } else {
      peer.clientPort = int(`${key} client port`, c, 1);
    }
  }
  return peer;
}

/** Parse zoo.cfg text. `myIdText` is the content of dataDir/myid, if the caller read one. */
export function parseMemberConfig(text: string, myIdText?: string): MemberConfig {
  const kv = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`malformed line: "${line}"`);
    kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const take = (k: string): string | undefined => {
    const v = kv.get(k);
    kv.delete(k);
    return v;
  };

  const tickTime = int('tickTime', take('tickTime') ?? '3000', 1);
  const dataDir = take('dataDir');
  if (!dataDir) throw new ConfigError('dataDir is required');
  const clientPortText = take('clientPort');
  const peers: PeerSpec[] = [];
  for (const k of [...kv.keys()]) {
    if (k.startsWith('server.')) peers.push(parsePeer(k, take(k)!));
  }
  peers.sort((a, b) => a.id - b.id);
  const ids = new Set(peers.map((p) => p.id));
  if (ids.size !== peers.length) throw new ConfigError('duplicate server.N ids');

  let myId = 0;
  if (myIdText !== undefined && myIdText.trim() !== '') myId = int('myid', myIdText.trim(), 0);
  if (peers.length > 0 && !ids.has(myId)) {
    throw new ConfigError(`myid ${myId} is not among the server.N lines (${[...ids].join(', ')})`);
  }
  const me = peers.find((p) => p.id === myId);
  const clientPort =
    clientPortText !== undefined ? int('clientPort', clientPortText, 0) : (me?.clientPort ?? undefined);
  if (clientPort === undefined) throw new ConfigError('clientPort is required');

  const minSessionTimeout = int('minSessionTimeout', take('minSessionTimeout') ?? String(2 * tickTime), 0);
  const maxSessionTimeout = int('maxSessionTimeout', take('maxSessionTimeout') ?? String(20 * tickTime), 0);
  if (minSessionTimeout > maxSessionTimeout) {
    throw new ConfigError(`minSessionTimeout ${minSessionTimeout} > maxSessionTimeout ${maxSessionTimeout}`);
  }
  const wl = take('4lw.commands.whitelist');
  const fourLetterWords = new Set<string>(
    wl === undefined
      ? ['srvr']
      : wl.trim() === '*'
        ? ALL_FOUR_LETTER_WORDS
        : wl
            .split(',')
            .map((w) => w.trim())
            .filter(Boolean),
  );
  for (const w of fourLetterWords) {
    if (!ALL_FOUR_LETTER_WORDS.includes(w))
      throw new ConfigError(`4lw.commands.whitelist: unknown command "${w}"`);
  }

  const config: MemberConfig = {
    tickTime,
    initLimit: int('initLimit', take('initLimit') ?? '10', 1),
    syncLimit: int('syncLimit', take('syncLimit') ?? '5', 1),
    dataDir,
    dataLogDir: take('dataLogDir') ?? dataDir,
    clientPort,
    clientPortAddress: take('clientPortAddress') ?? me?.clientHost ?? '0.0.0.0',
    maxClientCnxns: int('maxClientCnxns', take('maxClientCnxns') ?? '60', 0),
    minSessionTimeout,
    maxSessionTimeout,
    autopurgeSnapRetainCount: Math.max(
      3,
      int('autopurge.snapRetainCount', take('autopurge.snapRetainCount') ?? '3', 0),
    ),
    autopurgePurgeInterval: int('autopurge.purgeInterval', take('autopurge.purgeInterval') ?? '0', 0),
    fourLetterWords,
    adminEnabled: bool('admin.enableServer', take('admin.enableServer') ?? 'true'),
    adminServerAddress: take('admin.serverAddress') ?? '0.0.0.0',
    adminServerPort: int('admin.serverPort', take('admin.serverPort') ?? '8080', 0),
    maxPacket: int('jute.maxbuffer', take('jute.maxbuffer') ?? String(DEFAULT_MAX_PACKET), 1024),
    snapCount: int('snapCount', take('snapCount') ?? '100000', 2),
    forceSync: bool('forceSync', take('forceSync') ?? 'yes'),
    extendedTypesEnabled: bool(
      'zookeeper.extendedTypesEnabled',
      take('zookeeper.extendedTypesEnabled') ?? 'true',
    ),
    containerCheckIntervalMs: int(
      'znode.container.checkIntervalMs',
      take('znode.container.checkIntervalMs') ?? '60000',
      10,
    ),
    superDigest: take('zookeeper.DigestAuthenticationProvider.superDigest'),
    peers,
    myId,
    extra: Object.fromEntries(kv),
  };
  return config;
}

/** The voting members (observers excluded). */
export function votingPeers(config: MemberConfig): PeerSpec[] {
  return config.peers.filter((p) => !p.observer);
}
