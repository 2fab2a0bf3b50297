/**
 * Keeps a current picture of the cluster: each configured coordinator member (from `srvr`) and the
 * registered instances of each service (from the registry, plus a quick `/health` probe). While
 * someone watches the live stream it refreshes every GATEWAY_CLUSTER_POLL_MS and at once when the
 * registry changes; otherwise it refreshes on demand, so an idle gateway probes nothing.
 */
import { EventEmitter } from 'node:events';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ServiceDiscovery } from '@registrar/coordination';
import { GatewayConfig } from '../config/gateway-config.js';
import { ROUTED_SERVICES } from '../routing/route-table.js';
import { baseUrlOf, UpstreamPool, type Instance } from '../routing/upstream-pool.js';
import { leaderOf, type ClusterSnapshot, type InstanceView } from './cluster-snapshot.js';
import { fourLetterWord } from './four-letter-word.js';
import { down, parseSrvr, type MemberStatus } from './member-status.js';

const PROBE_TIMEOUT_MS = 1000;

@Injectable()
export class ClusterMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ClusterMonitor');
  private readonly events = new EventEmitter<{ snapshot: [ClusterSnapshot] }>();
  private latest: { snapshot: ClusterSnapshot; takenAt: number } | undefined;
  private inFlight: Promise<ClusterSnapshot> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private unsubscribes: (() => void)[] = [];

  constructor(
    @Inject(GatewayConfig) private readonly config: GatewayConfig,
    @Inject(UpstreamPool) private readonly pool: UpstreamPool,
    @Inject(ServiceDiscovery) private readonly discovery: ServiceDiscovery,
  ) {
    this.events.setMaxListeners(0);
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const service of ROUTED_SERVICES) {
      this.unsubscribes.push(await this.pool.onChange(service, () => this.refreshSoon()));
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    for (const u of this.unsubscribes) u();
    this.events.removeAllListeners();
  }

  /** A snapshot no older than one poll period. */
  async current(): Promise<ClusterSnapshot> {
    if (this.latest && Date.now() - this.latest.takenAt < this.config.clusterPollMs)
      return this.latest.snapshot;
    return this.refresh();
  }

  /** Calls `listener` with every new snapshot until the returned function is called. */
  subscribe(listener: (s: ClusterSnapshot) => void): () => void {
    this.events.on('snapshot', listener);
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.refresh(), this.config.clusterPollMs);
    }
    return () => {
      this.events.off('snapshot', listener);
      if (this.events.listenerCount('snapshot') === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private refreshSoon(): void {
    if (this.soon !== undefined) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.refresh();
    }, 50);
  }

  /** One snapshot at a time: callers arriving meanwhile share it. */
  private refresh(): Promise<ClusterSnapshot> {
    this.inFlight ??= this.take()
      .then((snapshot) => {
        this.latest = { snapshot, takenAt: Date.now() };
        this.events.emit('snapshot', snapshot);
        return snapshot;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async take(): Promise<ClusterSnapshot> {
    const [members, services] = await Promise.all([this.members(), this.services()]);
    const client = this.discovery.client;
    return {
      at: new Date().toISOString(),
      members,
      leader: leaderOf(members),
      services,
      gateway: { session: client.state, connectedTo: client.connectedHost ?? null },
    };
  }

  private members(): Promise<MemberStatus[]> {
    return Promise.all(
      this.config.members.map(async ({ host, port }, k) => {
        const id = String(k + 1);
        const address = `${host}:${port}`;
        const started = performance.now();
        try {
          const text = await fourLetterWord(host, port, 'srvr', PROBE_TIMEOUT_MS);
          return parseSrvr(id, address, text, Math.round((performance.now() - started) * 10) / 10);
        } catch (err) {
          return down(id, address, (err as Error).message);
        }
      }),
    );
  }

  private async services(): Promise<Record<string, InstanceView[]>> {
    let names: string[] = [...ROUTED_SERVICES];
    try {
      names = [...new Set([...names, ...(await this.discovery.serviceNames())])].sort();
    } catch (err) {
      this.logger.warn(`listing services: ${String(err)}`);
    }
    const out: Record<string, InstanceView[]> = {};
    for (const name of names) out[name] = []; // keys in name order, whichever probe finishes first
    await Promise.all(
      names.map(async (name) => {
        let instances: Instance[] = [];
        try {
          instances = await this.pool.instances(name);
        } catch (err) {
          this.logger.warn(`reading instances of ${name}: ${String(err)}`);
        }
        const views = await Promise.all(instances.map((i) => this.view(i)));
        out[name] = views.sort(
          (a, b) => a.registeredAt.localeCompare(b.registeredAt) || a.id.localeCompare(b.id),
        );
      }),
    );
    return out;
  }

  private async view(i: Instance): Promise<InstanceView> {
    let healthy = false;
    try {
      const r = await fetch(`${baseUrlOf(i)}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      healthy = r.status === 200;
      await r.body?.cancel();
    } catch {
      healthy = false;
    }
    return {
      id: i.id,
      address: i.address,
      port: i.port,
      rpcPort: typeof i.payload?.rpcPort === 'number' ? i.payload.rpcPort : null,
      version: typeof i.payload?.version === 'string' ? i.payload.version : null,
      healthy,
      registeredAt: new Date(i.registrationTimeUTC).toISOString(),
    };
  }
}
