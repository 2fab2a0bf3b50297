/**
 * The chroot of a connect string ("host:port/app"): the client speaks in paths relative to it and
 * the server in absolute paths. Mapping is done once at the edge, so the rest of the client and
 * every recipe only ever see client paths.
 */

/**
 * @example
 *   const root = new Chroot('/app');
 *   root.toServer('/locks'); // '/app/locks'
 *   root.toClient('/app/locks'); // '/locks'
 */
export class Chroot {
  /** @param prefix absolute path without a trailing slash, or undefined for no chroot. */
  constructor(readonly prefix: string | undefined) {}

  /** The server's path for a client path. */
  toServer(path: string): string {
    const c = this.prefix;
    if (c === undefined) return path;
    return path === '/' ? c : c + path;
  }

  /**
   * The client's path for a server path. A path outside the chroot (only the server can produce
   * one, e.g. getEphemerals of the whole session) is returned unchanged.
   */
  toClient(path: string): string {
    const c = this.prefix;
    if (c === undefined) return path;
    if (path === c) return '/';
    if (this.contains(path)) return path.slice(c.length);
    return path;
  }

  /** True when a server path lies at or under the chroot ("/app2" is not under "/app"). */
  contains(path: string): boolean {
    const c = this.prefix;
    if (c === undefined || path === c) return true;
    return path.startsWith(c) && path.charCodeAt(c.length) === 0x2f;
  }

  /** Client paths of those server paths that lie inside the chroot, in order. */
  toClientPaths(serverPaths: readonly string[]): string[] {
    const out: string[] = [];
    for (const p of serverPaths) if (this.contains(p)) out.push(this.toClient(p));
    return out;
  }
}
