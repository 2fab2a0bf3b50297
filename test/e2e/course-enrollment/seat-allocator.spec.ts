/**
 * The platform's SeatAllocator against a real database (SQLite file, or PostgreSQL with
 * E2E_DATABASE=postgres) and a live coordinator (ours, or Apache ZooKeeper with
 * E2E_COORDINATOR=apache): group admission decides a burst in one transaction, a refused fencing
 * token writes nothing, the planted bug accepts it, the CHECK constraint refuses an overbooking
 * whatever statement tries it, and two allocators on two sessions never overbook a pool.
 */
import { ZooKeeperClient } from '@registrar/coordination';
import {
  createSeatTables,
  runTransaction,
  SeatAllocator,
  seatTables,
  StaleFenceError,
  type SeatOpResult,
} from '@registrar/platform';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2eDatabases, type E2eDatabases } from '../../support/e2e-database.js';
import type { Ensemble } from '../../support/ensemble.js';
import { startCoordinator } from './cluster.js';

const tables = seatTables('t');

class SeatTables1764760000001 implements MigrationInterface {
  name = 'SeatTables1764760000001';
  async up(q: QueryRunner): Promise<void> {
    await createSeatTables(q, 't');
  }
  async down(): Promise<void> {}
}

let ensemble: Ensemble;
let databases: E2eDatabases;
let ds: DataSource;
const clients: ZooKeeperClient[] = [];
const allocators: SeatAllocator[] = [];
let poolSeq = 0;

async function allocator(
  opts: { skipFenceCheck?: boolean; onBatch?: (size: number) => void } = {},
): Promise<SeatAllocator> {
  const client = await ZooKeeperClient.connect(ensemble.connectString);
  clients.push(client);
  const a = new SeatAllocator({
    dataSource: ds,
    tables,
    client,
    lockPath: (id) => `/seat-allocator-spec/locks/${id}`,
    skipFenceCheck: opts.skipFenceCheck === true,
    onBatch: ({ size }) => opts.onBatch?.(size),
  });
  allocators.push(a);
  return a;
}

async function newPool(a: SeatAllocator, capacity: number, waitlistCapacity: number): Promise<string> {
  const id = `pool-${++poolSeq}`;
  await runTransaction(ds, (em) => a.insertPool(em, id, { capacity, waitlistCapacity }));
  return id;
}

const param = (i: number) => (ds.options.type === 'postgres' ? `$${i}` : '?');
async function poolRow(id: string): Promise<{ taken: number; waitlisted: number; fence: number }> {
  const [r] = await ds.query(`SELECT taken, waitlisted, fence FROM t_seat_pools WHERE id = ${param(1)}`, [
    id,
  ]);
  return { taken: Number(r.taken), waitlisted: Number(r.waitlisted), fence: Number(r.fence) };
}
async function holdCount(id: string): Promise<number> {
  const [r] = await ds.query(`SELECT COUNT(*) AS n FROM t_seat_holds WHERE pool_id = ${param(1)}`, [id]);
  return Number(r.n);
}

beforeAll(async () => {
  ensemble = await startCoordinator(1);
  databases = await startE2eDatabases();
  const env = databases.envFor('seat_allocator_spec');
  ds = new DataSource({
    ...(env['DATABASE_URL'] !== undefined
      ? { type: 'postgres' as const, url: env['DATABASE_URL'] }
      : { type: 'sqlite' as const, database: env['DATABASE_PATH']!, enableWAL: true, busyTimeout: 10_000 }),
    entities: tables.entities,
    migrations: [SeatTables1764760000001],
    migrationsRun: true,
  });
  await ds.initialize();
});

afterAll(async () => {
  // Each step runs even if an earlier one fails (a failed beforeAll leaves some undefined), so no
  // coordinator member outlives the suite.
  for (const step of [
    ...allocators.map((a) => () => a.close()),
    ...clients.map((c) => () => c.close()),
    () => (ds?.isInitialized ? ds.destroy() : undefined),
    () => ensemble?.stop(),
    () => databases?.stop(),
  ]) {
    await Promise.resolve()
      .then(step)
      .catch(() => undefined);
  }
});

describe('SeatAllocator', () => {
  it('decides a burst queued on one instance in one lock round trip and one transaction', async () => {
    const batches: number[] = [];
    const a = await allocator({ onBatch: (n) => batches.push(n) });
    const id = await newPool(a, 10, 20);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => a.submit(id, { kind: 'admit', holderId: `h${i}` })),
    );
    expect(batches).toEqual([200]);
    // Arrival order at the lock holder is the order of submission.
    expect(results.slice(0, 10).every((r) => r.kind === 'seated')).toBe(true);
    expect(results.slice(10, 30)).toEqual(
      Array.from({ length: 20 }, (_, i) => ({ kind: 'waitlisted', position: i + 1 })),
    );
    expect(results.slice(30).every((r) => r.kind === 'refused')).toBe(true);
    expect(await poolRow(id)).toMatchObject({ taken: 10, waitlisted: 20 });
    expect(await holdCount(id)).toBe(30);
  });

  it('a token older than the pool has recorded is refused with a retryable 503 and writes nothing', async () => {
    const a = await allocator();
    const id = await newPool(a, 5, 5);
    // A later holder (from the coordinator's future) already wrote this pool.
    await ds.query(`UPDATE t_seat_pools SET fence = ${param(1)} WHERE id = ${param(2)}`, [2 ** 50, id]);
    const err = await a.submit(id, { kind: 'admit', holderId: 'late' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StaleFenceError);
    expect(err).toMatchObject({ status: 503, extra: { retryable: true, reason: 'stale-fence' } });
    expect(await poolRow(id)).toEqual({ taken: 0, waitlisted: 0, fence: 2 ** 50 });
    expect(await holdCount(id)).toBe(0);
  });

  it('with the planted bug skip-fence-check the stale token is accepted (and the fence goes backwards)', async () => {
    const a = await allocator({ skipFenceCheck: true });
    const id = await newPool(a, 5, 5);
    await ds.query(`UPDATE t_seat_pools SET fence = ${param(1)} WHERE id = ${param(2)}`, [2 ** 50, id]);
    expect(await a.submit(id, { kind: 'admit', holderId: 'late' })).toEqual({ kind: 'seated' });
    const row = await poolRow(id);
    expect(row.taken).toBe(1);
    expect(row.fence).toBeLessThan(2 ** 50);
  });

  it('the database itself refuses taken > capacity, whatever statement tries it', async () => {
    const a = await allocator();
    const id = await newPool(a, 2, 0);
    await expect(
      ds.query(`UPDATE t_seat_pools SET taken = capacity + 1 WHERE id = ${param(1)}`, [id]),
    ).rejects.toThrow(/CHECK|check constraint/i);
    expect((await poolRow(id)).taken).toBe(0);
  });

  it('two allocators on two sessions contending for three pools never overbook', async () => {
    const [a, b] = [await allocator(), await allocator()];
    const ids = [await newPool(a, 7, 3), await newPool(a, 7, 3), await newPool(a, 7, 3)];
    const ops: Array<Promise<SeatOpResult>> = [];
    for (let i = 0; i < 150; i++) {
      const who = i % 2 === 0 ? a : b;
      ops.push(who.submit(ids[i % 3]!, { kind: 'admit', holderId: `x${i % 60}` }));
      if (i % 25 === 0) ops.push(who.submit(ids[i % 3]!, { kind: 'release', holderId: `x${(i + 3) % 60}` }));
    }
    await Promise.all(ops);
    for (const id of ids) {
      const row = await poolRow(id);
      const [seated] = await ds.query(
        `SELECT COUNT(*) AS n FROM t_seat_holds WHERE pool_id = ${param(1)} AND status = 'seated'`,
        [id],
      );
      expect(row.taken).toBeLessThanOrEqual(7);
      expect(Number(seated.n)).toBe(row.taken);
    }
  });
});
