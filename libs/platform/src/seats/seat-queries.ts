/**
 * Reads of a seat pool family. No lock: reads see the last committed state, which is what a
 * student or a listing needs; decisions are made only inside the allocator's transaction.
 */
import { In, LessThanOrEqual, type EntityManager } from 'typeorm';
import type { SeatStatus } from './seat-model.js';
import type { SeatEventRow, SeatHoldRow, SeatPoolRow, SeatTables } from './seat-tables.js';

/** A hold as callers show it: the waitlist position is computed (1 = next in line). */
export interface SeatHoldView {
  poolId: string;
  holderId: string;
  status: SeatStatus;
  position: number | null;
  seatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export class SeatQueries {
  constructor(private readonly tables: SeatTables) {}

  pool(em: EntityManager, poolId: string): Promise<SeatPoolRow | null> {
    return em.findOneBy(this.tables.pools, { id: poolId });
  }

  pools(em: EntityManager, poolIds: string[]): Promise<SeatPoolRow[]> {
    if (poolIds.length === 0) return Promise.resolve([]);
    return em.findBy(this.tables.pools, { id: In(poolIds) });
  }

  async hold(em: EntityManager, poolId: string, holderId: string): Promise<SeatHoldView | null> {
    const row = await em.findOneBy(this.tables.holds, { poolId, holderId });
    return row === null ? null : (await this.withPositions(em, [row]))[0]!;
  }

  /** Holds in a pool, optionally of one status; waitlisted ones in line order, others by holder. */
  async holdsIn(
    em: EntityManager,
    poolId: string,
    opts: { status?: SeatStatus | undefined; offset?: number; limit?: number } = {},
  ): Promise<{ items: SeatHoldView[]; total: number }> {
    const where = { poolId, ...(opts.status !== undefined ? { status: opts.status } : {}) };
    const [rows, total] = await em.findAndCount(this.tables.holds, {
      where,
      order: { status: 'ASC', ticket: 'ASC', createdAt: 'ASC', holderId: 'ASC' },
      skip: opts.offset ?? 0,
      take: opts.limit ?? 100,
    });
    return { items: await this.withPositions(em, rows), total };
  }

  /** Every hold of one holder across pools (a student's enrollments). */
  async holdsOf(em: EntityManager, holderId: string): Promise<SeatHoldView[]> {
    const rows = await em.find(this.tables.holds, { where: { holderId }, order: { createdAt: 'ASC' } });
    return this.withPositions(em, rows);
  }

  /** History of one pool (optionally one holder), oldest first. */
  events(em: EntityManager, poolId: string, holderId?: string): Promise<SeatEventRow[]> {
    return em.find(this.tables.events, {
      where: { poolId, ...(holderId !== undefined ? { holderId } : {}) },
      order: { id: 'ASC' },
    });
  }

  private async withPositions(em: EntityManager, rows: SeatHoldRow[]): Promise<SeatHoldView[]> {
    return Promise.all(
      rows.map(async (r) => ({
        poolId: r.poolId,
        holderId: r.holderId,
        status: r.status,
        position:
          r.status === 'waitlisted' && r.ticket !== null
            ? await em.countBy(this.tables.holds, {
                poolId: r.poolId,
                status: 'waitlisted',
                ticket: LessThanOrEqual(r.ticket),
              })
            : null,
        seatedAt: r.seatedAt,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
      })),
    );
  }
}
