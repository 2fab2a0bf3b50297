/**
 * The shared SeatAllocator with its batches retried on SQLITE_BUSY (platform database/sqlite-busy.ts):
 * a batch that failed that way wrote nothing (one transaction), so submitting it again is safe.
 */
import { retryOnBusy } from '@registrar/platform';
import type { SeatAllocator, SeatOp, SeatOpResult } from '@registrar/platform';
import type { EntityManager } from 'typeorm';

export class ExamSeatAllocator {
  constructor(private readonly inner: SeatAllocator) {}

  submit(poolId: string, op: SeatOp): Promise<SeatOpResult> {
    return retryOnBusy(() => this.inner.submit(poolId, op));
  }

  insertPool(
    em: EntityManager,
    poolId: string,
    size: { capacity: number; waitlistCapacity: number },
  ): Promise<void> {
    return this.inner.insertPool(em, poolId, size);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
