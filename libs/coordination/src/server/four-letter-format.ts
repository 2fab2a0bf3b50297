/** ZooKeeper's four-letter-word text output, rendered from the admin command data. */
import {
  type CommandSource,
  configData,
  connectionsData,
  dumpData,
  environmentData,
  hex,
  serverStats,
  watchSummaryData,
} from './admin-commands.js';

function connectionLine(c: ReturnType<typeof connectionsData>[number], brief = false): string {
  const head = ` /${c.remote_socket_address}[${c.has_session ? 1 : 0}](queued=${c.outstanding_requests},recved=${c.packets_received},sent=${c.packets_sent}`;
  if (brief || !c.has_session) return head + ')';
  return (
    `${head},` +
    `sid=${c.session_id},lop=${c.last_operation},est=${Date.parse(c.established)},to=${c.session_timeout},` +
    `lzxid=${c.last_zxid})`
  );
}

function srvrLines(src: CommandSource, withClients: boolean): string {
  const s = serverStats(src);
  const lines = [`Zookeeper version: ${s.version}, built on ${new Date(0).toISOString()}`];
  if (withClients) {
    lines.push('Clients:');
    for (const c of connectionsData(src)) lines.push(connectionLine(c, true));
    lines.push('');
  }
  lines.push(
    `Latency min/avg/max: ${s.min_latency}/${s.avg_latency}/${s.max_latency}`,
    `Received: ${s.packets_received}`,
    `Sent: ${s.packets_sent}`,
    `Connections: ${s.num_alive_connections}`,
    `Outstanding: ${s.outstanding_requests}`,
    `Zxid: ${hex(s.last_zxid)}`,
    `Mode: ${s.server_state}`,
    `Node count: ${s.znode_count}`,
  );
  const ensemble = src.ensemble?.();
  if (ensemble) for (const [k, v] of Object.entries(ensemble)) lines.push(`${k}: ${v}`);
  return lines.join('\n') + '\n';
}

/** Text for a whitelisted word; undefined for words we do not implement. */
export function renderFourLetterWord(word: string, src: CommandSource): string | undefined {
  switch (word) {
    case 'ruok':
      return 'imok';
    case 'isro':
      return 'rw';
    case 'srvr':
      return srvrLines(src, false);
    case 'stat':
      return srvrLines(src, true);
    case 'mntr': {
      const s = serverStats(src);
      const rows: [string, string | number][] = Object.entries(s).map(([k, v]) => [`zk_${k}`, v]);
      const ensemble = src.ensemble?.();
      if (ensemble) for (const [k, v] of Object.entries(ensemble)) rows.push([`zk_${k}`, v]);
      const digest = src.treeDigest?.();
      if (digest !== undefined) rows.push(['zk_tree_digest', digest]);
      return rows.map(([k, v]) => `${k}\t${v}`).join('\n') + '\n';
    }
    case 'conf':
      return (
        Object.entries(configData(src.member))
          .flatMap(([k, v]) => (Array.isArray(v) ? v : [`${k}=${v}`]))
          .join('\n') + '\n'
      );
    case 'envi':
      return (
        'Environment:\n' +
        Object.entries(environmentData())
          .map(([k, v]) => `${k}=${v}`)
          .join('\n') +
        '\n'
      );
    case 'cons':
      return (
        connectionsData(src)
          .map((c) => connectionLine(c))
          .join('\n') + '\n\n'
      );
    case 'dump': {
      const d = dumpData(src.member);
      const lines = ['SessionTracker dump:', `Global Sessions(${d.expiry_time_to_session_ids.length}):`];
      for (const e of d.expiry_time_to_session_ids) lines.push(`${e.session_id}\t${e.timeout}ms`);
      const eph = Object.entries(d.session_id_to_ephemeral_paths);
      lines.push('ephemeral nodes dump:', `Sessions with Ephemerals (${eph.length}):`);
      for (const [sid, paths] of eph) {
        lines.push(`${sid}:`);
        for (const p of paths) lines.push(`\t${p}`);
      }
      return lines.join('\n') + '\n';
    }
    case 'wchs': {
      const w = watchSummaryData(src.member);
      return `${w.num_connections} connections watching ${w.num_paths} paths\nTotal watches:${w.num_total_watches}\n`;
    }
    case 'wchc':
    case 'wchp': {
      const byPath = src.member.db.tree.watchesByPath();
      const lines: string[] = [];
      for (const [path, watchers] of byPath) {
        lines.push(path);
        for (const w of watchers) lines.push(`\t${'0x' + BigInt.asUintN(64, w.sessionId).toString(16)}`);
      }
      return lines.join('\n') + '\n';
    }
    case 'dirs':
      return `datadir_size: 0\nlogdir_size: 0\n`;
    case 'crst':
    case 'srst': {
      const s = src.member.stats;
      if (word === 'srst') {
        s.packetsReceived = 0;
        s.packetsSent = 0;
        s.fsyncTime.reset();
        s.syncBatchSize.reset();
      }
      s.minLatency = Number.MAX_SAFE_INTEGER;
      s.maxLatency = 0;
      s.totalLatency = 0;
      s.latencyCount = 0;
      return word === 'srst' ? 'Server stats reset.\n' : 'Connection stats reset.\n';
    }
    default:
      return undefined;
  }
}
