/**
 * Coordinator members in the test process: real CoordinatorServers (client port, ZAB, txn log and
 * snapshots on a temporary data dir) on ephemeral loopback ports, so the pipeline gets fast specs in
 * `npm test` beside the process-level suites. One member runs without server.N lines (a one-voter
 * ensemble); more members form a real ensemble over TCP quorum links, each wrapped in a
 * `CuttableTransport` so a spec can silently partition a member. Test-only; nothing in the product
 * imports this.
 *
 * @example
 * const ens = await InProcessEnsemble.start({ members: 3 });
 * const zk = await ZooKeeperClient.connect(ens.connectString());
 * await ens.stopMember(ens.leaderIndex()!);
 * await ens.close();
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorServer } from '../coordinator-server.js';
import { parseMemberConfig, type MemberConfig } from '../member-config.js';
import type { Clock, MemberDeps } from '../member-deps.js';
import { freePorts } from '../quorum/peer-links.test-support.js';
import type { QuorumTransport } from '../zab-host.js';
import type { ZabMessage } from '../../zab/messages.js';

/** A clock the test moves by hand (session expiry, TTLs). */
export class ManualClock implements Clock {
  constructor(private ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/**
 * A quorum transport that can silently drop everything to and from chosen peers (a blackhole
 * partition: no RST, no linkDown; ZAB notices only through missing heartbeats).
 */
export class CuttableTransport implements QuorumTransport {
  private readonly cut = new Set<number>();
  constructor(private readonly inner: QuorumTransport) {}

  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  send(to: number, msg: ZabMessage): void {
    if (!this.cut.has(to)) this.inner.send(to, msg);
  }
  on(event: 'message', fn: (from: number, msg: ZabMessage) => void): unknown;
  on(event: 'linkDown', fn: (peer: number) => void): unknown;
  on(event: 'message' | 'linkDown', fn: (a: number, b: ZabMessage) => void): unknown {
    if (event === 'message') {
      return this.inner.on('message', (from, msg) => {
        if (!this.cut.has(from)) fn(from, msg);
      });
    }
    return this.inner.on('linkDown', (peer) => fn(peer, undefined as never));
  }
  /** Drops all traffic with `peers` from now on. */
  isolateFrom(peers: Iterable<number>): void {
    for (const p of peers) this.cut.add(p);
  }
  heal(): void {
    this.cut.clear();
  }
}

export interface InProcessEnsembleOptions {
  /** members (1 = no server.N lines). Default 1. */
  members?: number;
  /** zoo.cfg tickTime; default 2000 for one member, 300 for an ensemble (fast elections) */
  tickTime?: number;
  /** shared by every member (default: the system clock) */
  clock?: Clock;
  /** extra zoo.cfg lines for every member */
  extra?: string[];
}

const HOST = '127.0.0.1';

export class InProcessEnsemble {
  /** indexed like `members`; undefined while a member is stopped */
  readonly servers: (CoordinatorServer | undefined)[];
  /** set on a member's quorum links (ensembles only) */
  readonly transports: (CuttableTransport | undefined)[];
  private readonly fatal: unknown[] = [];

  private constructor(
    private readonly configs: MemberConfig[],
    readonly clientPorts: number[],
    private readonly dirs: string[],
    private readonly clock: Clock | undefined,
  ) {
    this.servers = configs.map(() => undefined);
    this.transports = configs.map(() => undefined);
  }

  static async start(opts: InProcessEnsembleOptions = {}): Promise<InProcessEnsemble> {
    const n = opts.members ?? 1;
    const tickTime = opts.tickTime ?? (n === 1 ? 2000 : 300);
    const ports = await freePorts(n * 3);
    const dirs = await Promise.all(
      Array.from({ length: n }, () => mkdtemp(join(tmpdir(), 'in-process-member-'))),
    );
    const serverLines =
      n === 1
        ? []
        : Array.from(
            { length: n },
            (_, i) => `server.${i + 1}=${HOST}:${ports[3 * i + 1]}:${ports[3 * i + 2]}`,
          );
    const configs: MemberConfig[] = [];
    for (let i = 0; i < n; i++) {
      if (n > 1) await writeFile(join(dirs[i]!, 'myid'), `${i + 1}\n`);
      const text = [
        `tickTime=${tickTime}`,
        `initLimit=10`,
        `syncLimit=5`,
        `dataDir=${dirs[i]}`,
        `clientPort=${ports[3 * i]}`,
        `clientPortAddress=${HOST}`,
        `admin.enableServer=false`,
        `forceSync=no`,
        `maxSessionTimeout=600000`,
        `4lw.commands.whitelist=*`,
        ...serverLines,
        ...(opts.extra ?? []),
      ].join('\n');
      configs.push(parseMemberConfig(text, n > 1 ? String(i + 1) : undefined));
    }
    const ens = new InProcessEnsemble(
      configs,
      configs.map((c) => c.clientPort),
      dirs,
      opts.clock,
    );
    await Promise.all(configs.map((_, i) => ens.startMember(i)));
    await ens.waitUntil(() => ens.servers.every((s) => s?.member.isServing), 'every member serving');
    return ens;
  }

  /** host:port of the given members (default: all), for ZooKeeperClient.connect. */
  connectString(indexes: number[] = this.clientPorts.map((_, i) => i)): string {
    return indexes.map((i) => `${HOST}:${this.clientPorts[i]}`).join(',');
  }

  /** Starts (or restarts) member `i` on its data dir and ports. */
  async startMember(i: number): Promise<CoordinatorServer> {
    if (this.servers[i]) throw new Error(`member ${i} is running`);
    const deps: Partial<MemberDeps> = {
      onFatal: (err) => {
        this.fatal.push(err);
      },
      transport: (_config, tcp) => {
        const t = new CuttableTransport(tcp());
        this.transports[i] = t;
        return t;
      },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      ...(this.clock ? { clock: this.clock } : {}),
    };
    const server = new CoordinatorServer(this.configs[i]!, deps);
    await server.start();
    this.servers[i] = server;
    return server;
  }

  async stopMember(i: number): Promise<void> {
    const s = this.servers[i];
    this.servers[i] = undefined;
    this.transports[i] = undefined;
    await s?.stop();
  }

  /** Index of the member that leads (or the only member), if any serves as leader. */
  leaderIndex(): number | undefined {
    const i = this.servers.findIndex(
      (s) => s?.member.isServing && ['leader', 'standalone'].includes(s.mode()),
    );
    return i < 0 ? undefined : i;
  }

  /** Polls `cond` every 10 ms; rejects naming `what` after `ms` (a bound, never a pass condition). */
  async waitUntil(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (this.fatal.length > 0) throw this.fatal[0];
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Fatal errors members reported (a spec asserts there were none). */
  get fatalErrors(): readonly unknown[] {
    return this.fatal;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((_, i) => this.stopMember(i)));
    await Promise.all(this.dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
}
