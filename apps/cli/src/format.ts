/**
 * zkCli-compatible text: Stat blocks, ACL lines, parsed ACL arguments and error messages, so
 * scripts written against Apache's zkCli read our output unchanged.
 */
import {
  ErrorCode,
  EventType,
  KeeperState,
  Perms,
} from '../../../libs/coordination/src/protocol/constants.js';
import { CoordinationError } from '../../../libs/coordination/src/protocol/errors.js';
import type { ACL, Stat } from '../../../libs/coordination/src/protocol/records.js';
import type { WatchEvent } from '../../../libs/coordination/src/client/index.js';

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Java's Date.toString() in UTC: "Sun Nov 22 18:47:13 UTC 2026". */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** The eleven lines zkCli prints for a Stat. */
export function formatStat(s: Stat): string[] {
  return [
    `cZxid = ${hex(s.czxid)}`,
    `ctime = ${javaDate(s.ctime)}`,
    `mZxid = ${hex(s.mzxid)}`,
    `mtime = ${javaDate(s.mtime)}`,
    `pZxid = ${hex(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hex(BigInt.asUintN(64, s.ephemeralOwner))}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ];
}

const PERM_LETTERS: [string, number][] = [
  ['c', Perms.CREATE],
  ['d', Perms.DELETE],
  ['r', Perms.READ],
  ['w', Perms.WRITE],
  ['a', Perms.ADMIN],
];

export function permsToString(perms: number): string {
  return PERM_LETTERS.filter(([, bit]) => (perms & bit) !== 0)
    .map(([l]) => l)
    .join('');
}

/** Two lines per ACL entry, as zkCli's getAcl prints them. */
export function formatAcl(acl: readonly ACL[]): string[] {
  return acl.flatMap((a) => [`'${a.id.scheme},'${a.id.id}`, `: ${permsToString(a.perms)}`]);
}

/**
 * Parses zkCli ACL text "scheme:id:perms[,scheme:id:perms]" (the id may itself contain ':', as
 * digest ids do). @throws Error with zkCli's wording on bad input.
 */
export function parseAcl(text: string): ACL[] {
  return text.split(',').map((part) => {
    const first = part.indexOf(':');
    const last = part.lastIndexOf(':');
    if (first < 0 || last === first) throw new UsageError(`${part} does not have the form scheme:id:perm`);
    let perms = 0;
    for (const ch of part.slice(last + 1)) {
      const hit = PERM_LETTERS.find(([l]) => l === ch.toLowerCase());
      if (hit === undefined) throw new UsageError(`Unknown perm type: ${ch}`);
      perms |= hit[1];
    }
    return { perms, id: { scheme: part.slice(0, first), id: part.slice(first + 1, last) } };
  });
}

/** A command-line mistake (printed as is, exit code 1). */
export class UsageError extends Error {}

const EVENT_NAMES = new Map<number, string>(Object.entries(EventType).map(([k, v]) => [v, k]));
const STATE_NAMES = new Map<number, string>(Object.entries(KeeperState).map(([k, v]) => [v, k]));

/** "WatchedEvent state:SyncConnected type:NodeCreated path:/a" */
export function formatEvent(e: WatchEvent): string {
  return `WatchedEvent state:${STATE_NAMES.get(e.state) ?? e.state} type:${EVENT_NAMES.get(e.type) ?? e.type} path:${e.path === '' ? 'null' : e.path}`;
}

/** zkCli's wording for a failed command. */
export function errorMessage(err: unknown, path?: string): string {
  if (err instanceof CoordinationError) {
    const p = err.path ?? path ?? '';
    switch (err.code) {
      case ErrorCode.NONODE:
        return `Node does not exist: ${p}`;
      case ErrorCode.NODEEXISTS:
        return `Node already exists: ${p}`;
      case ErrorCode.BADVERSION:
        return `version No is not valid : ${p}`;
      case ErrorCode.NOTEMPTY:
        return `Node not empty: ${p}`;
      case ErrorCode.NOAUTH:
        return `Insufficient permission : ${p}`;
      case ErrorCode.INVALIDACL:
        return `Acl is not valid : ${p}`;
      case ErrorCode.NOCHILDRENFOREPHEMERALS:
        return `Ephemerals cannot have children: ${p}`;
      case ErrorCode.BADARGUMENTS: {
        const detail = /: (.*)$/.exec(err.message)?.[1];
        return detail ?? err.message;
      }
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
