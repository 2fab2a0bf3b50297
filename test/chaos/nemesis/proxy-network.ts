import { LinkProxy, type LinkMode, type LinkProxyStats } from './link-proxy.js';

/** The real peer ports of one ensemble member (what its own `server.<id>=` line says). */
export interface ProxiedMember {
  id: number;
  quorumPort: number;
  electionPort: number;
}

/** Options of {@link ProxyNetwork.start}. */
export interface ProxyNetworkOptions {
  /** Randomness for delay jitter, returning [0, 1); defaults to Math.random. */
  rng?: () => number;
}

/** An ordered pair of member ids: the link on which `from` dials `to`. */
export type Link = [from: number, to: number];

/** Thrown when a fault names members the network does not have, or groups that do not make sense. */
export class ProxyNetworkError extends Error {
  override readonly name = 'ProxyNetworkError';
}

/**
 * Ordered pairs of `ids` that cannot talk when only members sharing a group can: a link (a, b) passes
 * iff some group contains both a and b. With disjoint groups this is a partition (members in no group
 * are isolated); overlapping groups express a bridge, e.g. `[[1, 2, 3], [3, 4, 5]]` lets 3 talk to all.
 * Pairs come out in the order of `ids` (from, then to).
 *
 * @example linksCutBy([[1, 2], [3]], [1, 2, 3]) // [[1, 3], [2, 3], [3, 1], [3, 2]]
 */
export function linksCutBy(groups: number[][], ids: number[]): Link[] {
  const sets = groups.map((g) => new Set(g));
  const cut: Link[] = [];
  for (const from of ids) {
    for (const to of ids) {
      if (from === to) continue;
      if (!sets.some((s) => s.has(from) && s.has(to))) cut.push([from, to]);
    }
  }
  return cut;
}

interface LinkPair {
  quorum: LinkProxy;
  election: LinkProxy;
}

const key = (from: number, to: number): string => `${from}->${to}`;
const list = (ids: number[]): string => `[${ids.join(',')}]`;

/**
 * One {@link LinkProxy} per directed peer link (and per port) of an N-member ensemble, with
 * Jepsen-style faults expressed in member ids. Member `from` must dial member `to` on the ports
 * {@link route} returns, i.e. write them on its own `server.<to>=` line.
 *
 * `partition`, `isolate`, `bridge` and `blackhole` set every link; `cutOneWay` and `slow` change only
 * the links they name and compose with what is already set; `heal` sets every link back to pass.
 *
 * @example
 * const net = await ProxyNetwork.start([
 *   { id: 1, quorumPort: 2888, electionPort: 3888 },
 *   { id: 2, quorumPort: 2889, electionPort: 3889 },
 *   { id: 3, quorumPort: 2890, electionPort: 3890 },
 * ]);
 * const { quorumPort, electionPort } = net.route(1, 2); // member 1's server.2= line
 * net.partition([[1, 2], [3]]);
 * net.heal();
 * await net.close();
 */
export class ProxyNetwork {
  private faults: string[] = [];

  private constructor(
    private readonly ids: number[],
    private readonly links: Map<string, LinkPair>,
  ) {}

  /** Starts two proxies (quorum, election) for every ordered pair of distinct members. */
  static async start(members: ProxiedMember[], opts: ProxyNetworkOptions = {}): Promise<ProxyNetwork> {
    const ids = members.map((m) => m.id);
    if (new Set(ids).size !== ids.length) throw new ProxyNetworkError(`duplicate member ids ${list(ids)}`);
    const links = new Map<string, LinkPair>();
    const started: LinkProxy[] = [];
    try {
      for (const from of members) {
        for (const to of members) {
          if (from.id === to.id) continue;
          const start = (port: number, what: string): Promise<LinkProxy> =>
            LinkProxy.start({
              target: { host: '127.0.0.1', port },
              label: `${what} ${from.id}->${to.id}`,
              ...(opts.rng ? { rng: opts.rng } : {}),
            }).then((p) => {
              started.push(p);
              return p;
            });
          const quorum = await start(to.quorumPort, 'quorum');
          const election = await start(to.electionPort, 'election');
          links.set(key(from.id, to.id), { quorum, election });
        }
      }
    } catch (err) {
      // Do not leak listeners when a later proxy fails to bind.
      await Promise.all(started.map((p) => p.close()));
      throw err;
    }
    return new ProxyNetwork(ids, links);
  }

  /** The proxy ports member `from` must write on its `server.<to>=` line. */
  route(from: number, to: number): { quorumPort: number; electionPort: number } {
    const pair = this.pair(from, to);
    return { quorumPort: pair.quorum.port, electionPort: pair.election.port };
  }

  /** The mode of link from -> to (both ports always share one mode). */
  mode(from: number, to: number): LinkMode {
    return this.pair(from, to).quorum.mode;
  }

  /** Only members sharing a group can talk; members in no group are isolated. Groups must be disjoint. */
  partition(groups: number[][]): void {
    this.splitBy(groups, { kind: 'cut' }, 'partition');
  }

  /** Cuts member `id` off from every other member, both ways. */
  isolate(id: number): void {
    this.checkIds([id]);
    this.partition([[id], this.ids.filter((x) => x !== id)]);
  }

  /** Like {@link partition}, but cross-group bytes vanish silently instead of connections being reset. */
  blackhole(groups: number[][]): void {
    this.splitBy(groups, { kind: 'blackhole' }, 'blackhole');
  }

  /**
   * Jepsen's bridge: members of `a` and of `b` cannot talk to each other, `bridgeId` talks to all.
   * Members named nowhere are isolated.
   */
  bridge(a: number[], bridgeId: number, b: number[]): void {
    const all = [...a, bridgeId, ...b];
    this.checkIds(all);
    this.checkDisjoint([a, [bridgeId], b]);
    this.applyCut(
      linksCutBy(
        [
          [...a, bridgeId],
          [bridgeId, ...b],
        ],
        this.ids,
      ),
      { kind: 'cut' },
    );
    this.faults = [`bridge ${list(a)} <-${bridgeId}-> ${list(b)}${this.isolatedSuffix(all)}`];
  }

  /** Cuts only from -> to (both ports); to -> from and every other link keep their mode. */
  cutOneWay(from: number, to: number): void {
    this.pair(from, to).quorum.setMode({ kind: 'cut' });
    this.pair(from, to).election.setMode({ kind: 'cut' });
    this.faults.push(`cut ${from}->${to}`);
  }

  /**
   * Delays the given links (default: all) by `ms` ± `jitterMs`. Links that are cut or blackholed stay
   * so: slowing never heals a fault; call {@link heal} first for that.
   */
  slow(ms: number, jitterMs?: number, links?: Link[]): void {
    const targets = links ?? this.allLinks();
    this.checkIds(targets.flat());
    const mode: LinkMode = { kind: 'delay', ms, ...(jitterMs !== undefined ? { jitterMs } : {}) };
    for (const [from, to] of targets) {
      const pair = this.pair(from, to);
      const current = pair.quorum.mode.kind;
      if (current === 'cut' || current === 'blackhole') continue;
      pair.quorum.setMode(mode);
      pair.election.setMode(mode);
    }
    const jitter = jitterMs ? `±${jitterMs}` : '';
    const which = links ? links.map(([f, t]) => key(f, t)).join(',') : 'all';
    this.faults.push(`slow ${ms}${jitter}ms ${which}`);
  }

  /** Every link back to pass; connections that lost bytes in a blackhole are destroyed. */
  heal(): void {
    for (const pair of this.links.values()) {
      pair.quorum.setMode({ kind: 'pass' });
      pair.election.setMode({ kind: 'pass' });
    }
    this.faults = [];
  }

  /** One line naming the faults in force, e.g. "partition [1,2] | [3]", or "healed". */
  describe(): string {
    return this.faults.length === 0 ? 'healed' : this.faults.join('; ');
  }

  /** Counters summed over every proxy. */
  stats(): LinkProxyStats {
    const sum: LinkProxyStats = {
      accepted: 0,
      live: 0,
      bytesForwarded: 0,
      bytesDropped: 0,
      cutConnections: 0,
    };
    for (const pair of this.links.values()) {
      for (const s of [pair.quorum.stats(), pair.election.stats()]) {
        sum.accepted += s.accepted;
        sum.live += s.live;
        sum.bytesForwarded += s.bytesForwarded;
        sum.bytesDropped += s.bytesDropped;
        sum.cutConnections += s.cutConnections;
      }
    }
    return sum;
  }

  /** Counters of the two proxies of link from -> to. */
  linkStats(from: number, to: number): { quorum: LinkProxyStats; election: LinkProxyStats } {
    const pair = this.pair(from, to);
    return { quorum: pair.quorum.stats(), election: pair.election.stats() };
  }

  /** Closes every proxy and its connections. Idempotent. */
  async close(): Promise<void> {
    await Promise.all([...this.links.values()].flatMap((p) => [p.quorum.close(), p.election.close()]));
  }

  private splitBy(groups: number[][], mode: LinkMode, word: string): void {
    this.checkIds(groups.flat());
    this.checkDisjoint(groups);
    this.applyCut(linksCutBy(groups, this.ids), mode);
    this.faults = [`${word} ${groups.map(list).join(' | ')}${this.isolatedSuffix(groups.flat())}`];
  }

  /** Sets `broken` links to `mode` and every other link to pass. */
  private applyCut(broken: Link[], mode: LinkMode): void {
    const cut = new Set(broken.map(([f, t]) => key(f, t)));
    for (const [k, pair] of this.links) {
      const m: LinkMode = cut.has(k) ? mode : { kind: 'pass' };
      pair.quorum.setMode(m);
      pair.election.setMode(m);
    }
  }

  private isolatedSuffix(named: number[]): string {
    const alone = this.ids.filter((id) => !named.includes(id));
    return alone.map((id) => ` | [${id}]`).join('');
  }

  private allLinks(): Link[] {
    return this.ids.flatMap((from) => this.ids.filter((to) => to !== from).map((to): Link => [from, to]));
  }

  private pair(from: number, to: number): LinkPair {
    const pair = this.links.get(key(from, to));
    if (pair === undefined)
      throw new ProxyNetworkError(`no link ${key(from, to)} among members ${list(this.ids)}`);
    return pair;
  }

  private checkIds(ids: number[]): void {
    const unknown = ids.filter((id) => !this.ids.includes(id));
    if (unknown.length > 0) {
      throw new ProxyNetworkError(`unknown member ids ${list(unknown)} (members ${list(this.ids)})`);
    }
  }

  private checkDisjoint(groups: number[][]): void {
    const seen = new Set<number>();
    for (const id of groups.flat()) {
      if (seen.has(id)) throw new ProxyNetworkError(`member ${id} is in more than one group`);
      seen.add(id);
    }
  }
}
