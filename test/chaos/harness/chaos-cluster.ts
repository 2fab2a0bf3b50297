/**
 * A Registrar ensemble for chaos runs: real member processes whose peer links all pass through
 * harness-owned proxies (so the nemesis can cut, blackhole or slow any directed link without root or
 * network namespaces), plus the process faults: kill -9, restart, SIGSTOP/SIGCONT.
 *
 * Members are named by their zoo.cfg id (1-based) throughout the chaos suite.
 */
import { readFileSync } from 'node:fs';
import { planMembers, type Ensemble } from '../../support/ensemble.js';
import { fourLetterWord } from '../../support/four-letter-word.js';
import { startRegistrar } from '../../support/registrar-member.js';
import type { MemberSpec } from '../../support/zk-config.js';
import { LinkProxy, type LinkMode } from '../nemesis/link-proxy.js';
import { ProxyNetwork } from '../nemesis/proxy-network.js';

export interface ChaosClusterOptions {
  /** Ensemble size (3 or 5 make sense). Default 3. */
  members?: number;
  /** zoo.cfg tickTime, ms. Short ticks make failure detection, and so each fault cycle, fast. */
  tickTime?: number;
  /** Planted ZAB bugs for the member processes, e.g. 'commit-without-quorum' (REGISTRAR_PLANTED_BUGS). */
  plantedBugs?: string;
  /** Extra environment for every member process (e.g. REGISTRAR_TEST_STORAGE=lose-unsynced). */
  env?: Readonly<Record<string, string>>;
  /** Extra zoo.cfg lines for every member (e.g. a low snapCount so snapshots happen in a short run). */
  zooCfg?: Readonly<Record<string, string | number>>;
  /** Run members from source (tsx, default) or from dist/ (`npm run build` first). */
  registrarFrom?: 'source' | 'dist';
}

/**
 * Plans member ports, then starts the proxies on ports the OS picks. Both come from the ephemeral
 * range and the members do not hold theirs yet, so a proxy can land on a port planned for a member:
 * then plan again.
 */
async function planWithProxies(
  members: number,
  opts: ChaosClusterOptions,
): Promise<{ planned: MemberSpec[]; network: ProxyNetwork; clientLinks: Map<number, LinkProxy> }> {
  for (let attempt = 1; ; attempt++) {
    const planned = await planMembers({
      members,
      tickTime: opts.tickTime ?? 200,
      registrarFrom: opts.registrarFrom,
      ...(opts.zooCfg ? { extra: { ...opts.zooCfg } } : {}),
      ...(opts.plantedBugs || opts.env
        ? {
            env: {
              ...opts.env,
              ...(opts.plantedBugs ? { REGISTRAR_PLANTED_BUGS: opts.plantedBugs } : {}),
            },
          }
        : {}),
    });
    const lines = planned[0]!.servers ?? [];
    const network = await ProxyNetwork.start(lines);
    // Client-to-member links get their own proxies, so the nemesis can cut or silence the clients
    // of one member while its peer links stay up (its sessions must fail over to another member).
    const clientLinks = new Map<number, LinkProxy>();
    for (const line of lines) {
      clientLinks.set(
        line.id,
        await LinkProxy.start({
          target: { host: '127.0.0.1', port: line.clientPort },
          label: `client -> ${line.id}`,
        }),
      );
    }
    const memberPorts = new Set(lines.flatMap((l) => [l.clientPort, l.quorumPort, l.electionPort]));
    const clash =
      [...clientLinks.values()].some((p) => memberPorts.has(p.port)) ||
      lines.some((from) =>
        lines.some((to) => {
          if (from.id === to.id) return false;
          const r = network.route(from.id, to.id);
          return memberPorts.has(r.quorumPort) || memberPorts.has(r.electionPort);
        }),
      );
    if (!clash) return { planned, network, clientLinks };
    await Promise.all([...clientLinks.values()].map((p) => p.close()));
    await network.close();
    if (attempt >= 5) throw new Error('proxy ports kept clashing with planned member ports');
  }
}

/**
 * A member's answer to `srvr`: its Mode, 'not-serving' when it answers without one (ZooKeeper's
 * "This ZooKeeper instance is not currently serving requests": electing, or syncing with a leader),
 * 'down' when it is stopped, paused or does not answer in time.
 */
export type MemberRole = 'leader' | 'follower' | 'observer' | 'standalone' | 'not-serving' | 'down';

/** Thrown when the ensemble does not come back to a serving quorum in time after faults are healed. */
export class ClusterUnavailableError extends Error {
  override readonly name = 'ClusterUnavailableError';
}

export class ChaosCluster {
  private readonly paused = new Set<number>();
  private readonly stuck = new Set<number>();
  /** What each member answered to the last poll of {@link waitForQuorum} (a stuck member's post-mortem). */
  private readonly lastRoles = new Map<number, MemberRole>();

  private constructor(
    private readonly ensemble: Ensemble,
    readonly network: ProxyNetwork,
    readonly ids: readonly number[],
    /** One proxy per member in front of its client port: every scenario client dials through these. */
    private readonly clientLinks: ReadonlyMap<number, LinkProxy>,
    /** zoo.cfg tickTime (ms) and syncLimit (ticks) the members run with: checks derive tolerances from them. */
    readonly timing: { readonly tickTimeMs: number; readonly syncLimit: number },
  ) {}

  /** Plans ports, starts one proxy per directed peer link, then the members with rerouted server lines. */
  static async start(opts: ChaosClusterOptions = {}): Promise<ChaosCluster> {
    const members = opts.members ?? 3;
    const { planned, network, clientLinks } = await planWithProxies(members, opts);
    const lines = planned[0]!.servers ?? [];
    const specs: MemberSpec[] = planned.map((spec) => ({
      ...spec,
      // A member binds its own line's ports and dials everyone else through proxy(from -> to).
      servers: lines.map((line) =>
        line.id === spec.myid ? line : { ...line, ...network.route(spec.myid, line.id) },
      ),
    }));
    try {
      const ensemble = await startRegistrar({ members }, specs);
      return new ChaosCluster(
        ensemble,
        network,
        lines.map((l) => l.id),
        clientLinks,
        // test/support/zk-config.ts writes syncLimit=5 for every member.
        { tickTimeMs: planned[0]!.tickTime ?? 200, syncLimit: 5 },
      );
    } catch (err) {
      await Promise.all([...clientLinks.values()].map((p) => p.close()));
      await network.close();
      throw err;
    }
  }

  get size(): number {
    return this.ids.length;
  }

  /** Every member's client address (through its client-link proxy). */
  get connectString(): string {
    return this.ids.map((id) => this.memberConnectString(id)).join(',');
  }

  /**
   * Client address of one member, through its client-link proxy: clients pinned to it see exactly
   * that member's faults, and the client-link faults of {@link setClientLink}.
   */
  memberConnectString(id: number): string {
    return `127.0.0.1:${this.clientLink(id).port}`;
  }

  /** The member's own client port (no proxy): what the harness's four-letter words use. */
  clientPort(id: number): number {
    return this.member(id).clientPort;
  }

  /** The member a client reached on `port`: its own client port or its client-link proxy's. */
  memberOfClientPort(port: number): number | undefined {
    return this.ids.find((id) => this.clientPort(id) === port || this.clientLink(id).port === port);
  }

  /** Sets the client-link proxy of member `id` (cut: its clients are reset; blackhole: silenced). */
  setClientLink(id: number, mode: LinkMode): void {
    this.clientLink(id).setMode(mode);
  }

  /** Every client link back to pass. */
  healClientLinks(): void {
    for (const p of this.clientLinks.values()) p.setMode({ kind: 'pass' });
  }

  isRunning(id: number): boolean {
    return this.member(id).running;
  }

  isPaused(id: number): boolean {
    return this.paused.has(id);
  }

  /** SIGKILL, waiting for the exit. */
  async kill(id: number): Promise<void> {
    this.paused.delete(id);
    await this.ensemble.kill(id - 1, 'SIGKILL');
  }

  /** Starts a killed member again on its own data, waiting until it answers on its client port. */
  async restart(id: number): Promise<void> {
    this.paused.delete(id);
    await this.ensemble.restart(id - 1);
  }

  /**
   * True when the member's process is gone although the harness did not stop it: it died on its own
   * (e.g. a simulated power loss at a crash point, or a fatal error). `restart` brings it back.
   */
  exitedOnItsOwn(id: number): boolean {
    const m = this.member(id);
    if (!m.running) return false;
    try {
      process.kill(m.pid, 0);
      return false;
    } catch {
      return true;
    }
  }

  /** SIGSTOP: the process keeps its sockets, the kernel still accepts connections, nothing answers. */
  async pause(id: number): Promise<void> {
    if (!this.member(id).running) return;
    await this.ensemble.kill(id - 1, 'SIGSTOP');
    this.paused.add(id);
  }

  async resume(id: number): Promise<void> {
    if (!this.paused.has(id)) return;
    await this.ensemble.kill(id - 1, 'SIGCONT');
    this.paused.delete(id);
  }

  /** The member's own view (`srvr` Mode line); 'down' when it does not answer within `timeoutMs`. */
  async role(id: number, timeoutMs = 1000): Promise<MemberRole> {
    if (!this.member(id).running || this.paused.has(id)) return 'down';
    try {
      const out = await fourLetterWord(this.clientPort(id), 'srvr', '127.0.0.1', timeoutMs);
      const mode = /Mode: (\w+)/.exec(out)?.[1];
      return mode === 'leader' || mode === 'follower' || mode === 'observer' || mode === 'standalone'
        ? mode
        : 'not-serving';
    } catch {
      return 'down';
    }
  }

  /** The id of a member that says it leads, if any (polling every member once). */
  async leader(): Promise<number | undefined> {
    const roles = await Promise.all(this.ids.map((id) => this.role(id)));
    const i = roles.indexOf('leader');
    return i < 0 ? undefined : this.ids[i];
  }

  /**
   * Undoes every fault: network healed, paused members resumed, killed members restarted; then waits
   * until one leader and all followers serve again. A member that has not rejoined by the deadline
   * while a quorum serves is returned (and left out of {@link servingIds}) rather than thrown about:
   * on correct code that never happens, so the runner reports it as an anomaly and the scenario can
   * still check what the quorum holds. No quorum at all throws ClusterUnavailableError.
   */
  async healAll(timeoutMs = 30_000): Promise<number[]> {
    this.network.heal();
    this.healClientLinks();
    for (const id of this.ids) await this.resume(id);
    for (const id of this.ids) if (!this.isRunning(id)) await this.restart(id);
    return this.waitForQuorum(timeoutMs);
  }

  /** The member's answer to the last poll of {@link waitForQuorum} ('down' before any). */
  lastSeenRole(id: number): MemberRole {
    return this.lastRoles.get(id) ?? 'down';
  }

  /** Members that took part in the last successful {@link waitForQuorum}. */
  get servingIds(): readonly number[] {
    return this.ids.filter((id) => !this.stuck.has(id));
  }

  /**
   * Waits until exactly one member leads and every other member follows; at the deadline settles for
   * a leader with a majority following and returns the members that do not serve.
   */
  async waitForQuorum(timeoutMs = 30_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    let roles: MemberRole[] = [];
    this.stuck.clear();
    while (Date.now() < deadline) {
      roles = await Promise.all(this.ids.map((id) => this.role(id)));
      this.ids.forEach((id, i) => this.lastRoles.set(id, roles[i]!));
      const leaders = roles.filter((r) => r === 'leader').length;
      if (leaders === 1 && roles.every((r) => r === 'leader' || r === 'follower' || r === 'observer'))
        return [];
      await new Promise((r) => setTimeout(r, 100));
    }
    const serving = this.ids.filter((_, i) => roles[i] === 'leader' || roles[i] === 'follower');
    const leaders = roles.filter((r) => r === 'leader').length;
    if (leaders === 1 && serving.length > this.ids.length / 2) {
      for (const id of this.ids) if (!serving.includes(id)) this.stuck.add(id);
      return [...this.stuck];
    }
    throw new ClusterUnavailableError(
      `ensemble not serving after ${timeoutMs} ms: ${this.ids.map((id, i) => `${id}=${roles[i]}`).join(' ')}`,
    );
  }

  /**
   * Evidence from a member's own log (stdout+stderr): its last error lines if it wrote any (a member
   * that stopped on an invariant says why), else its last `lines` lines.
   */
  logTail(id: number, lines = 6): string[] {
    let all: string[];
    try {
      all = readFileSync(this.member(id).files.logFile, 'utf8').trimEnd().split('\n');
    } catch {
      return [];
    }
    const errors = all.filter((l) => /^\w*Error\b|Error: /.test(l));
    return errors.length > 0 ? errors.slice(-3) : all.slice(-lines);
  }

  /** Stops every member (by PID) and every proxy; member data dirs are removed unless KEEP_TEST_DIRS=1. */
  async stop(): Promise<void> {
    for (const id of this.ids) await this.resume(id).catch(() => undefined);
    await this.ensemble.stop();
    await this.network.close();
    await Promise.all([...this.clientLinks.values()].map((p) => p.close()));
  }

  /** Directory of one member's files (zoo.cfg, data, member.log), for post-mortems. */
  memberDir(id: number): string {
    return this.member(id).files.dir;
  }

  private clientLink(id: number): LinkProxy {
    const p = this.clientLinks.get(id);
    if (p === undefined) throw new RangeError(`no member ${id} (ensemble has ${this.ids.length})`);
    return p;
  }

  private member(id: number) {
    const m = this.ensemble.members[id - 1];
    if (m === undefined) throw new RangeError(`no member ${id} (ensemble has ${this.ids.length})`);
    return m;
  }
}
