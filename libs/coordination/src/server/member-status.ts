/**
 * The member's role as text: the log line on every role change, and the /zookeeper/config content.
 */
import { PeerState } from '../zab/messages.js';
import type { PeerStatus } from '../zab/ready.js';
import type { MemberConfig } from './member-config.js';

export type MemberRole = 'standalone' | 'leader' | 'follower' | 'observer' | 'looking';

/** What srvr/mntr call the mode: `standalone` for a member without server.N lines. */
export function roleOf(config: MemberConfig, status: PeerStatus | undefined): MemberRole {
  if (config.peers.length === 0) return 'standalone';
  if (!status || !status.serving) return 'looking';
  if (status.state === PeerState.LEADING) return 'leader';
  if (status.state === PeerState.OBSERVING) return 'observer';
  return 'follower';
}

/** "member 2: following leader=3 epoch=4 serving=true lastZxid=0x400000007" */
export function statusLine(myId: number, st: PeerStatus, lastZxid: number): string {
  const name = ['looking', 'following', 'leading', 'observing'][st.state] ?? String(st.state);
  return (
    `member ${myId}: ${name}` +
    (st.leader !== undefined ? ` leader=${st.leader}` : '') +
    ` epoch=${st.epoch} serving=${st.serving} lastZxid=0x${lastZxid.toString(16)}`
  );
}

/**
 * /zookeeper/config content for a static ensemble, in ZooKeeper's dynamic-config syntax: one
 * `server.N=host:quorumPort:electionPort:role;clientHost:clientPort` line per member, then the
 * config version in hex (0 for a configuration no reconfig has changed).
 */
export function ensembleConfigText(c: MemberConfig): string {
  const lines = c.peers.map((p) => {
    const client =
      p.clientPort !== undefined
        ? `;${p.clientHost ?? '0.0.0.0'}:${p.clientPort}`
        : p.id === c.myId
          ? `;${c.clientPortAddress}:${c.clientPort}`
          : '';
    return `server.${p.id}=${p.host}:${p.quorumPort}:${p.electionPort}:${p.observer ? 'observer' : 'participant'}${client}`;
  });
  lines.push('version=0');
  return lines.join('\n');
}
