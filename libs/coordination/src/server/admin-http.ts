/**
 * The admin HTTP port: `/commands` lists commands, `/commands/<name>` answers with the same data
 * the four-letter words print, as JSON (like ZooKeeper's AdminServer), and `/metrics` serves
 * Prometheus text.
 */
import { createServer, type Server } from 'node:http';
import {
  type CommandSource,
  configData,
  connectionsData,
  dumpData,
  environmentData,
  serverStats,
  watchSummaryData,
} from './admin-commands.js';
import type { MemberMetrics } from './metrics.js';

type Handler = (src: CommandSource) => unknown;

function mntrData(src: CommandSource) {
  const digest = src.treeDigest?.();
  return { ...serverStats(src), ...src.ensemble?.(), ...(digest !== undefined && { tree_digest: digest }) };
}

const COMMANDS: Record<string, Handler> = {
  ruok: () => ({}),
  srvr: (src) => serverStats(src),
  stat: (src) => ({ ...serverStats(src), connections: connectionsData(src) }),
  monitor: (src) => mntrData(src),
  mntr: (src) => mntrData(src),
  conf: (src) => configData(src.member),
  configuration: (src) => configData(src.member),
  cons: (src) => ({ connections: connectionsData(src) }),
  connections: (src) => ({ connections: connectionsData(src) }),
  envi: () => environmentData(),
  environment: () => environmentData(),
  dump: (src) => dumpData(src.member),
  wchs: (src) => watchSummaryData(src.member),
  watch_summary: (src) => watchSummaryData(src.member),
  isro: () => ({ read_only: false }),
  is_read_only: () => ({ read_only: false }),
  ensemble: (src) => ({ mode: src.mode(), ...(src.ensemble?.() ?? {}) }),
};

export function startAdminHttp(
  src: CommandSource,
  metrics: MemberMetrics,
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
    };
    if (req.method !== 'GET') return send(405, { error: 'only GET is supported' });
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      return res.end(await metrics.registry.metrics());
    }
    if (url.pathname === '/commands' || url.pathname === '/commands/') {
      return send(200, { commands: Object.keys(COMMANDS) });
    }
    const m = /^\/commands\/([a-z_]+)\/?$/.exec(url.pathname);
    if (!m) return send(404, { error: `no such path: ${url.pathname}` });
    const handler = COMMANDS[m[1]];
    if (!handler) return send(404, { command: m[1], error: `Unknown command: ${m[1]}` });
    try {
      return send(200, { command: m[1], error: null, ...(handler(src) as object) });
    } catch (e) {
      return send(500, { command: m[1], error: String(e) });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
