/**
 * Service instances for service-level chaos scenarios: N processes of one built app (dist) sharing
 * an environment, each on a fixed HTTP/RPC port so a killed instance comes back at the same address.
 * Faults: kill -9 (then restart in the background), SIGSTOP/SIGCONT. Everything is stopped by PID.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../../support/ports.js';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.js';

export interface FleetInstance {
  readonly id: string;
  readonly url: string;
  /** The running process; undefined while killed and not yet back. */
  process: ServiceProcess | undefined;
  paused: boolean;
  /** A restart in progress. */
  restarting: Promise<void> | undefined;
  restarts: number;
}

export class ServiceFleet {
  private constructor(
    readonly app: string,
    private readonly env: Record<string, string>,
    readonly instances: FleetInstance[],
    private readonly ports: Map<string, { http: number; rpc: number }>,
    readonly logDir: string,
  ) {}

  /** Starts the first instance alone (it runs the migrations), then the others together. */
  static async start(app: string, count: number, env: Record<string, string>): Promise<ServiceFleet> {
    const logDir = mkdtempSync(join(tmpdir(), `chaos-${app}-`));
    const ports = new Map<string, { http: number; rpc: number }>();
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
        restarting: undefined,
        restarts: 0,
      });
    }
    const fleet = new ServiceFleet(app, env, instances, ports, logDir);
    try {
      await fleet.spawn(instances[0]!);
      await Promise.all(instances.slice(1).map((i) => fleet.spawn(i)));
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  /** kill -9 and start it again on the same ports after `downMs` (in the background). */
  async killAndRestart(inst: FleetInstance, downMs: number): Promise<void> {
    const proc = inst.process;
    if (proc === undefined) return;
    inst.process = undefined;
    inst.paused = false;
    await proc.kill();
    inst.restarting = (async () => {
      await new Promise((r) => setTimeout(r, downMs));
      try {
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

  /** Resumes paused instances and waits for restarts (an instance that cannot start throws). */
  async healAll(): Promise<void> {
    for (const i of this.instances) this.resume(i);
    await Promise.all(this.instances.map((i) => i.restarting));
    for (const i of this.instances) if (i.process === undefined) await this.spawn(i);
  }

  /** Stops every instance (SIGCONT first, SIGTERM, then SIGKILL). */
  async stop(): Promise<void> {
    await Promise.allSettled(this.instances.map((i) => i.restarting));
    await Promise.allSettled(this.instances.map((i) => i.process?.stop(3_000)));
  }

  private async spawn(inst: FleetInstance): Promise<void> {
    const p = this.ports.get(inst.id)!;
    inst.process = await startServiceProcess({
      app: this.app,
      env: { ...this.env, INSTANCE_ID: inst.id, HTTP_PORT: String(p.http), RPC_PORT: String(p.rpc) },
      logFile: join(this.logDir, `${inst.id}.${inst.restarts}.log`),
      readyTimeoutMs: 60_000,
    });
  }
}
