/**
 * A view of a coordinator client that times each request the seat lock recipe sends, so the lock's
 * round trips (how many per batch, how long each) show up in `registrar_coordinator_round_trip_seconds`
 * without the coordination library knowing about metrics. Every other property (state, events)
 * is the client's own.
 */
import type { ZooKeeperClient } from '@registrar/coordination';

/** The requests the Lock recipe makes (zk-ops' createProtected included). */
const TIMED = new Set(['create', 'getChildren', 'getData', 'exists', 'delete', 'sync']);

/**
 * @example
 *   const lock = new Lock(timedClient(client, (op, s) => stages.roundTrip(op, s)), path);
 */
export function timedClient(
  client: ZooKeeperClient,
  onRoundTrip: (op: string, seconds: number) => void,
): ZooKeeperClient {
  return new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (typeof prop !== 'string' || !TIMED.has(prop)) return value.bind(target);
      return (...args: unknown[]) => {
        const started = performance.now();
        const done = () => onRoundTrip(prop, (performance.now() - started) / 1000);
        const reply = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        reply.then(done, done);
        return reply;
      };
    },
  });
}
