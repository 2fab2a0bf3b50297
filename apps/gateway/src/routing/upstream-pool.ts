/**
 * Live instances of each routed service, from the service registry (a ServiceCache per service on
 * one persistent watch), with the gateway's own memory of which instances just failed. The registry
 * drops an instance when its session ends; until then (a SIGKILLed instance keeps its znode for a
 * session timeout) the health record keeps requests away from it.
 */
import { Inject, Injectable } from '@nestjs/common';
import { isEnabled, ServiceDiscovery, type ServiceInstance } from '@registrar/coordination';
import { candidateOrder, InstanceHealth } from './instance-health.js';

/** What a service registers as its payload (rpcPort for @nestjs/microservices, build version). */
export interface InstancePayload {
  rpcPort?: number;
  version?: string;
}

export type Instance = ServiceInstance<InstancePayload>;

@Injectable()
export class UpstreamPool {
  private readonly health = new InstanceHealth();
  private readonly cursors = new Map<string, number>();

  constructor(@Inject(ServiceDiscovery) private readonly discovery: ServiceDiscovery) {}

  /** Registered, enabled instances of `service` (healthy or not). */
  async instances(service: string): Promise<Instance[]> {
    const all = await this.discovery.instances<InstancePayload>(service);
    return all.filter((i) => isEnabled(i) && i.port !== null);
  }

  /** The order in which to try instances for one request (round-robin, recently failed ones last). */
  async candidates(service: string): Promise<Instance[]> {
    const all = await this.instances(service);
    this.health.retain(new Set(all.map((i) => i.id)));
    const cursor = this.cursors.get(service) ?? 0;
    this.cursors.set(service, (cursor + 1) % 1_000_000);
    const now = Date.now();
    return candidateOrder(all, cursor, (id) => this.health.isParked(id, now));
  }

  noteFailure(instance: Instance): void {
    this.health.noteFailure(instance.id, Date.now());
  }

  noteSuccess(instance: Instance): void {
    this.health.noteSuccess(instance.id);
  }

  /** Calls `listener` whenever an instance of `service` joins, changes or leaves. */
  async onChange(service: string, listener: () => void): Promise<() => void> {
    const cache = await this.discovery.serviceCache(service);
    cache.on('changed', listener);
    return () => cache.off('changed', listener);
  }
}

/** `http://address:port` of an instance. */
export function baseUrlOf(instance: Instance): string {
  const host = instance.address.includes(':') ? `[${instance.address}]` : instance.address;
  return `http://${host}:${instance.port}`;
}
