/**
 * Parses ZooKeeper connect strings: "host1:port1,host2:port2/chroot". IPv6 hosts are written in
 * brackets ("[::1]:2181"); a missing port means 2181. The chroot, when present, is everything from
 * the first '/' and must be a valid znode path; "/" alone means no chroot.
 */
import { BadArgumentsError } from '../protocol/errors.js';
import { pathProblem } from '../tree/path.js';

/** One server address of a connect string. */
export interface HostAddress {
  host: string;
  port: number;
}

/** A parsed connect string. */
export interface ConnectString {
  hosts: HostAddress[];
  /** Chroot path without trailing slash, or undefined when none (or "/") was given. */
  chroot: string | undefined;
}

/** ZooKeeper's default client port. */
export const DEFAULT_CLIENT_PORT = 2181;

/**
 * @throws BadArgumentsError for an empty host list, a bad port or an invalid chroot.
 * @example
 *   parseConnectString('10.0.0.1:2181,[::1]:2182/app')
 *   // { hosts: [{host:'10.0.0.1',port:2181},{host:'::1',port:2182}], chroot: '/app' }
 */
export function parseConnectString(input: string): ConnectString {
  const slash = input.indexOf('/');
  const hostPart = (slash < 0 ? input : input.slice(0, slash)).trim();
  let chroot: string | undefined;
  if (slash >= 0) {
    const raw = input.slice(slash);
    if (raw !== '/') {
      const problem = pathProblem(raw);
      if (problem !== undefined) throw new BadArgumentsError(raw, { detail: `invalid chroot: ${problem}` });
      chroot = raw;
    }
  }
  const hosts: HostAddress[] = [];
  for (const item of hostPart.split(',')) {
    const entry = item.trim();
    if (entry === '') continue;
    hosts.push(parseHost(entry));
  }
  if (hosts.length === 0)
    throw new BadArgumentsError(undefined, { detail: `no hosts in connect string "${input}"` });
  return { hosts, chroot };
}

function parseHost(entry: string): HostAddress {
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0) throw new BadArgumentsError(undefined, { detail: `unclosed IPv6 bracket in "${entry}"` });
    host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) throw new BadArgumentsError(undefined, { detail: `bad host "${entry}"` });
      portText = rest.slice(1);
    }
  } else {
    const colon = entry.lastIndexOf(':');
    // A bare IPv6 literal would be ambiguous ("::1:2181"): demand brackets, as ZooKeeper does.
    if (colon >= 0 && entry.indexOf(':') !== colon) {
      throw new BadArgumentsError(undefined, { detail: `IPv6 host must be in brackets: "${entry}"` });
    }
    host = colon < 0 ? entry : entry.slice(0, colon);
    portText = colon < 0 ? undefined : entry.slice(colon + 1);
  }
  if (host === '') throw new BadArgumentsError(undefined, { detail: `empty host in "${entry}"` });
  const port = portText === undefined ? DEFAULT_CLIENT_PORT : Number(portText);
  if (!/^\d+$/.test(portText ?? '2181') || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BadArgumentsError(undefined, { detail: `bad port in "${entry}"` });
  }
  return { host, port };
}

/** "host:port" (IPv6 bracketed) for logs and `connectedHost`. */
export function formatHost(h: HostAddress): string {
  return h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}
