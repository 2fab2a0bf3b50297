import 'reflect-metadata';
import { Observable, firstValueFrom, of, throwError } from 'rxjs';
import type { ClientProxy } from '@nestjs/microservices';
import { describe, expect, it } from 'vitest';
import { ServiceProvider, type ServiceCache, type ServiceDiscovery } from '@registrar/coordination';
import type { ProviderStrategy } from '@registrar/coordination';
import { serviceInstance, type ServiceInstance } from '@registrar/coordination';
import { DiscoveryClientProxy } from './discovery-client-proxy.js';
import { NoInstanceError } from './no-instance.error.js';

type Behaviour = (pattern: unknown, data: unknown) => Observable<unknown>;

/** A discovery over a fixed list, and endpoint clients whose behaviour the test sets per id. */
function fixture(ids: string[], behaviour: Record<string, Behaviour>) {
  const instances: ServiceInstance[] = ids.map((id, i) =>
    serviceInstance({ name: 'svc', id, address: '127.0.0.1', port: 5000 + i }),
  );
  const cache = { instances: () => instances } as unknown as ServiceCache<unknown>;
  const discovery = {
    provider: (_name: string, strategy: ProviderStrategy) =>
      new ServiceProvider(async () => cache, strategy, 60_000),
  } as unknown as ServiceDiscovery;
  const calls: string[] = [];
  const created: string[] = [];
  const closed: string[] = [];
  const proxy = new DiscoveryClientProxy({
    service: 'svc',
    discovery,
    clientFor: (inst) => {
      created.push(inst.id);
      return {
        send: (p: unknown, d: unknown) => {
          calls.push(inst.id);
          return behaviour[inst.id]!(p, d);
        },
        emit: (p: unknown, d: unknown) => {
          calls.push(inst.id);
          return behaviour[inst.id]!(p, d);
        },
        close: () => closed.push(inst.id),
      } as unknown as ClientProxy;
    },
  });
  return { proxy, calls, created, closed };
}

const ok =
  (id: string): Behaviour =>
  (_p, d) =>
    of({ id, d });
const refused: Behaviour = () =>
  throwError(() => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

describe('DiscoveryClientProxy', () => {
  it('moves a call that hit a dead endpoint to the next instance; the caller sees only the answer', async () => {
    const f = fixture(['a', 'b', 'c'], { a: refused, b: ok('b'), c: ok('c') });
    expect(await firstValueFrom(f.proxy.send('x', 1))).toEqual({ id: 'b', d: 1 });
    expect(f.calls).toEqual(['a', 'b']);
    expect(f.proxy.retries).toBe(1);
    // The failed endpoint's client was closed and a is parked: later calls avoid it.
    expect(f.closed).toEqual(['a']);
    const next = [await firstValueFrom(f.proxy.send('x', 2)), await firstValueFrom(f.proxy.send('x', 3))];
    expect(next.map((r) => (r as { id: string }).id)).toEqual(['c', 'b']);
  });

  it('passes remote handler errors (plain objects) straight through, without retrying', async () => {
    const f = fixture(['a', 'b'], {
      a: () => throwError(() => ({ status: 'error', message: 'no seats' })),
      b: ok('b'),
    });
    await expect(firstValueFrom(f.proxy.send('x', 1))).rejects.toEqual({
      status: 'error',
      message: 'no seats',
    });
    expect(f.calls).toEqual(['a']);
  });

  it('gives up after maxAttempts with the last transport error; NoInstanceError when nothing is registered', async () => {
    const f = fixture(['a', 'b', 'c', 'd'], { a: refused, b: refused, c: refused, d: ok('d') });
    await expect(firstValueFrom(f.proxy.send('x', 1))).rejects.toThrow(/ECONNREFUSED/);
    expect(f.calls).toEqual(['a', 'b', 'c']);
    const empty = fixture([], {});
    await expect(firstValueFrom(empty.proxy.send('x', 1))).rejects.toBeInstanceOf(NoInstanceError);
  });

  it('never retries a stream that already delivered values', async () => {
    const partial: Behaviour = () =>
      new Observable((o) => {
        o.next(1);
        o.error(new Error('Connection closed'));
      });
    const f = fixture(['a', 'b'], { a: partial, b: ok('b') });
    const seen: unknown[] = [];
    const err = await new Promise((resolve) =>
      f.proxy.send('x', 1).subscribe({ next: (v) => seen.push(v), error: resolve }),
    );
    expect(err).toEqual(new Error('Connection closed'));
    expect(seen).toEqual([1]);
    expect(f.calls).toEqual(['a']);
  });

  it('keeps one client per endpoint and closes them all on close()', async () => {
    const f = fixture(['a', 'b'], { a: ok('a'), b: ok('b') });
    for (let i = 0; i < 6; i++) await firstValueFrom(f.proxy.emit('e', i));
    expect(f.created).toEqual(['a', 'b']);
    expect(f.calls).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    f.proxy.close();
    expect(f.closed.sort()).toEqual(['a', 'b']);
    await expect(firstValueFrom(f.proxy.send('x', 1))).rejects.toThrow(/closed/);
  });
});
