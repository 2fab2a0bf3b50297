/** How a znode is shown read-only: data as text when it is text, else base64; Stat with hex zxids. */
import type { Stat } from '@registrar/coordination';

export interface ZnodeView {
  path: string;
  children: string[];
  data: { encoding: 'utf8' | 'base64'; value: string; length: number };
  stat: {
    czxid: string;
    mzxid: string;
    pzxid: string;
    ctime: string;
    mtime: string;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: string;
    dataLength: number;
    numChildren: number;
  };
  /** Session id (hex) owning this ephemeral node, or null for a persistent one. */
  ephemeralOwner: string | null;
}

const hex = (n: number | bigint) => '0x' + BigInt.asUintN(64, BigInt(n)).toString(16);

/** Control characters other than tab, newline and carriage return make data "binary". */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

/** Text is shown as text only when it round-trips and holds no control characters besides tab/newline. */
export function encodeData(data: Buffer): ZnodeView['data'] {
  const text = data.toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(data) && !hasControlCharacters(text);
  return printable
    ? { encoding: 'utf8', value: text, length: data.length }
    : { encoding: 'base64', value: data.toString('base64'), length: data.length };
}

export function znodeView(path: string, data: Buffer, stat: Stat, children: string[]): ZnodeView {
  const owner = BigInt(stat.ephemeralOwner);
  return {
    path,
    children: [...children].sort(),
    data: encodeData(data),
    stat: {
      czxid: hex(stat.czxid),
      mzxid: hex(stat.mzxid),
      pzxid: hex(stat.pzxid),
      ctime: new Date(stat.ctime).toISOString(),
      mtime: new Date(stat.mtime).toISOString(),
      version: stat.version,
      cversion: stat.cversion,
      aversion: stat.aversion,
      ephemeralOwner: hex(owner),
      dataLength: stat.dataLength,
      numChildren: stat.numChildren,
    },
    ephemeralOwner: owner === 0n ? null : hex(owner),
  };
}

/** A znode path as ZooKeeper accepts it (absolute, no empty or relative segments); null if fine. */
export function pathProblem(path: string): string | null {
  if (!path.startsWith('/')) return 'path must start with /';
  if (path === '/') return null;
  if (path.endsWith('/')) return 'path must not end with /';
  for (const seg of path.slice(1).split('/')) {
    if (seg === '') return 'empty path segment';
    if (seg === '.' || seg === '..') return 'relative path segment';
  }
  return null;
}
