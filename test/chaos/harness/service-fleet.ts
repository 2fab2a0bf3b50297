/**
 * Service instances for service-level chaos scenarios: N processes of one built app (dist) sharing
 * an environment. A killed instance comes back on new HTTP/RPC ports (its `url` changes; clients
 * read it per request): on a machine shared with other test runs, the ports a killed instance freed
 * were taken by another process within its 0.5-2.5 s down time, whose answers (401, 404 "no
 * course", and a 200 on /health that made the restart look done) then entered the history.
 *
 * Each instance reaches the coordinator through its own TCP proxies, one per member
 * (nemesis/link-proxy.ts): its COORDINATION_CONNECT_STRING names the proxies, so the link between
 * one live instance and the whole ensemble can be blackholed or cut while the process and the
 * ensemble keep running: the instance loses its session while alive, the production failure a
 * SIGSTOP does not show (its timers and HTTP keep going).
 *
 * Faults: kill -9 (then restart in the background), SIGSTOP/SIGCONT, coordinator link cut/heal.
 * Everything is stopped by PID; the proxies are closed with the fleet.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkProxy } from '../nemesis/link-proxy.js';
import { freePorts } from '../../support/ports.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';

export interface FleetInstance {
  readonly id: string;
  /** Changes when the instance is restarted after a kill. */
  url: string;
  /** The running process; undefined while killed and not yet back. */
  process: ServiceProcess | undefined;
  paused: boolean;
  /** Its coordinator links are blackholed or cut (see {@link ServiceFleet.cutLinks}). */
  linkCut: boolean;
  /** A restart in progress. */
  restarting: Promise<void> | undefined;
  restarts: number;
}

/** How a cut link behaves: silent loss (TCP stays up, like a dropped route) or reset connections. */
export type LinkCut = 'blackhole' | 'cut';

/** `host:port,host:port` -> targets. No chroot suffix: the platform uses none (REGISTRAR_ZK_ROOT). */
export function parseConnectString(connect: string): { host: string; port: number }[] {
  if (connect.includes('/')) throw new Error(`connect string with a chroot is not supported: ${connect}`);
  return connect.split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    const port = Number(hp.slice(at + 1));
    if (at < 0 || !Number.isInteger(port)) throw new Error(`bad host:port ${hp}`);
    return { host: hp.slice(0, at), port };
  });
}

export class ServiceFleet {
  private starts = 0;

  private constructor(
    readonly app: string,
    private readonly env: Record<string, string>,
    readonly instances: FleetInstance[],
    private readonly ports: Map<string, { http: number; rpc: number }>,
    private readonly links: Map<string, LinkProxy[]>,
    readonly logDir: string,
  ) {}

  /**
   * Starts the first instance alone (it runs the migrations), then the others together.
   * `env.COORDINATION_CONNECT_STRING` is the ensemble's; each instance gets its proxies' instead.
   */
  static async start(app: string, count: number, env: Record<string, string>): Promise<ServiceFleet> {
    const logDir = mkdtempSync(join(tmpdir(), `chaos-${app}-`));
    const ports = new Map<string, { http: number; rpc: number }>();
    const links = new Map<string, LinkProxy[]>();
    const targets = parseConnectString(env['COORDINATION_CONNECT_STRING'] ?? '');
    const list = await freePorts(count * 2);
    const instances: FleetInstance[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${app}-${i + 1}`;
      ports.set(id, { http: list[2 * i]!, rpc: list[2 * i + 1]! });
      instances.push({
        id,
        url: `http://127.0.0.1:${list[2 * i]!}`,
        process: undefined,
        paused: false,
        linkCut: false,
        restarting: undefined,
        restarts: 0,
      });
    }
    const fleet = new ServiceFleet(app, env, instances, ports, links, logDir);
    try {
      for (const inst of instances)
        links.set(
          inst.id,
          await Promise.all(
            targets.map((target) =>
              LinkProxy.start({ target, label: `${inst.id} -> coordinator ${target.port}` }),
            ),
          ),
        );
      await fleet.spawn(instances[0]!);
      await Promise.all(instances.slice(1).map((i) => fleet.spawn(i)));
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  /** kill -9 and start it again on new ports after `downMs` (in the background). */
  async killAndRestart(inst: FleetInstance, downMs: number): Promise<void> {
    const proc = inst.process;
    if (proc === undefined) return;
    inst.process = undefined;
    inst.paused = false;
    await proc.kill();
    inst.restarting = (async () => {
      await new Promise((r) => setTimeout(r, downMs));
      try {
        await this.movePorts(inst);
        await this.spawn(inst);
        inst.restarts++;
      } finally {
        inst.restarting = undefined;
      }
    })();
    inst.restarting.catch(() => undefined);
  }

  pause(inst: FleetInstance): void {
    if (inst.process === undefined || inst.paused) return;
    inst.process.pause();
    inst.paused = true;
  }

  resume(inst: FleetInstance): void {
    if (!inst.paused) return;
    inst.process?.resume();
    inst.paused = false;
  }

  /** Cuts the instance off from every coordinator member (the process keeps running and serving HTTP). */
  cutLinks(inst: FleetInstance, how: LinkCut): void {
    for (const p of this.links.get(inst.id) ?? []) p.setMode({ kind: how });
    inst.linkCut = true;
  }

  healLinks(inst: FleetInstance): void {
    for (const p of this.links.get(inst.id) ?? []) p.setMode({ kind: 'pass' });
    inst.linkCut = false;
  }

  /** Heals links, resumes paused instances and waits for restarts (an instance that cannot start throws). */
  async healAll(): Promise<void> {
    for (const i of this.instances) {
      this.healLinks(i);
      this.resume(i);
    }
    await Promise.all(this.instances.map((i) => i.restarting));
    for (const i of this.instances)
      if (i.process === undefined) {
        await this.movePorts(i);
        await this.spawn(i);
      }
  }

  /** Stops every instance (SIGCONT first, SIGTERM, then SIGKILL), then closes the proxies. */
  async stop(): Promise<void> {
    for (const i of this.instances) this.healLinks(i);
    await Promise.allSettled(this.instances.map((i) => i.restarting));
    await Promise.allSettled(this.instances.map((i) => i.process?.stop(3_000)));
    await Promise.allSettled([...this.links.values()].flat().map((p) => p.close()));
  }

  private async movePorts(inst: FleetInstance): Promise<void> {
    const [http, rpc] = await freePorts(2);
    this.ports.set(inst.id, { http: http!, rpc: rpc! });
    inst.url = `http://127.0.0.1:${http!}`;
  }

  private async spawn(inst: FleetInstance): Promise<void> {
    const p = this.ports.get(inst.id)!;
    const connect = (this.links.get(inst.id) ?? []).map((l) => `127.0.0.1:${l.port}`).join(',');
    inst.process = await startServiceProcess({
      app: this.app,
      env: {
        ...this.env,
        ...(connect !== '' ? { COORDINATION_CONNECT_STRING: connect } : {}),
        INSTANCE_ID: inst.id,
        HTTP_PORT: String(p.http),
        RPC_PORT: String(p.rpc),
      },
      // One log per start attempt (a failed restart must not overwrite the log of the first run).
      logFile: join(this.logDir, `${inst.id}.${this.starts++}.log`),
      readyTimeoutMs: 60_000,
    });
  }
}
