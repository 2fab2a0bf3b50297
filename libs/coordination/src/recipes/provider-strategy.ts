/**
 * Instance pickers (Curator's ProviderStrategy). Pure: randomness is passed in, and disabled
 * instances (`enabled: false`) are never picked.
 */
import { isEnabled, type ServiceInstance } from './service-instance.js';

/** Chooses one instance among the live ones, or undefined when there is none. */
export interface ProviderStrategy {
  pick<P>(instances: readonly ServiceInstance<P>[]): ServiceInstance<P> | undefined;
}

/** Orders instances by id so every picker sees the same sequence whatever order the server listed them in. */
function usable<P>(instances: readonly ServiceInstance<P>[]): ServiceInstance<P>[] {
  return instances.filter(isEnabled).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Round-robin over the instances sorted by id. When the set changes, the rotation continues from
 * the id after the one picked last, so a joining or leaving instance does not reset or skew it.
 * @example const rr = new RoundRobinStrategy(); rr.pick(list); rr.pick(list);
 */
export class RoundRobinStrategy implements ProviderStrategy {
  private lastId: string | undefined;

  pick<P>(instances: readonly ServiceInstance<P>[]): ServiceInstance<P> | undefined {
    const list = usable(instances);
    if (list.length === 0) return undefined;
    const last = this.lastId;
    const next = last === undefined ? list[0]! : (list.find((i) => i.id > last) ?? list[0]!);
    this.lastId = next.id;
    return next;
  }
}

/**
 * Uniformly random pick.
 * @example new RandomStrategy(seededRng).pick(list)
 */
export class RandomStrategy implements ProviderStrategy {
  /** `rng` returns a float in [0, 1). */
  constructor(private readonly rng: () => number = Math.random) {}

  pick<P>(instances: readonly ServiceInstance<P>[]): ServiceInstance<P> | undefined {
    const list = usable(instances);
    if (list.length === 0) return undefined;
    const i = Math.min(list.length - 1, Math.floor(this.rng() * list.length));
    return list[i];
  }
}

/**
 * Sticky: keeps returning the same instance while it is listed, then moves on with `fallback`
 * (Curator's StickyStrategy).
 */
export class StickyStrategy implements ProviderStrategy {
  private currentId: string | undefined;
  constructor(private readonly fallback: ProviderStrategy = new RoundRobinStrategy()) {}

  pick<P>(instances: readonly ServiceInstance<P>[]): ServiceInstance<P> | undefined {
    const current = instances.find((i) => i.id === this.currentId && isEnabled(i));
    if (current !== undefined) return current;
    const next = this.fallback.pick(instances);
    this.currentId = next?.id;
    return next;
  }
}
