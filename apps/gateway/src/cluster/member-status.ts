/**
 * A coordinator member's state as the dashboard shows it, read from the `srvr` four-letter word.
 * `srvr` is whitelisted by default on Apache ZooKeeper too, so this works against either
 * coordinator. The epoch is the high 32 bits of the last zxid (ZooKeeper's zxid layout).
 */

import type { MemberMode, MemberStatus } from '@registrar/contracts';

export type { MemberMode, MemberStatus } from '@registrar/contracts';

/** ZooKeeper prints this instead of the stats while the member has no quorum. */
const NOT_SERVING = /not currently serving requests/i;

/** Parses `srvr` output; a member with no quorum (or unreadable output) is `down`. */
export function parseSrvr(id: string, address: string, text: string, latencyMs: number): MemberStatus {
  const field = (name: string): string | undefined => {
    const m = new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text);
    return m?.[1]?.trim();
  };
  const modeText = field('Mode');
  if (NOT_SERVING.test(text) || modeText === undefined) {
    return down(id, address, NOT_SERVING.test(text) ? 'not serving (no quorum)' : 'unreadable srvr answer');
  }
  const mode = modeOf(modeText);
  const zxidText = field('Zxid');
  let lastZxid: string | null = null;
  let epoch: number | null = null;
  if (zxidText !== undefined && /^0x[0-9a-f]+$/i.test(zxidText)) {
    const zxid = BigInt(zxidText);
    lastZxid = '0x' + zxid.toString(16);
    epoch = Number(zxid >> 32n);
  }
  const connText = field('Connections');
  const connections = connText !== undefined && /^\d+$/.test(connText) ? Number(connText) : null;
  return { id, address, mode, epoch, lastZxid, connections, latencyMs };
}

/** A member that did not answer. */
export function down(id: string, address: string, error: string): MemberStatus {
  return {
    id,
    address,
    mode: 'down',
    epoch: null,
    lastZxid: null,
    connections: null,
    latencyMs: null,
    error,
  };
}

function modeOf(text: string): MemberMode {
  switch (text.toLowerCase()) {
    case 'leader':
    case 'standalone': // a single member leads itself
      return 'leader';
    case 'follower':
      return 'follower';
    case 'observer':
      return 'observer';
    default:
      return 'down';
  }
}
