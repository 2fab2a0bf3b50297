import type { Provider } from '@nestjs/common';
import type { SessionBinding } from '@registrar/coordination';
import { COORDINATION_CLIENT_FACTORY } from '@registrar/coordination-nest';
import {
  CLOCK,
  PlatformConfig,
  SeatAllocator,
  ZNODE_PATHS,
  type Clock,
  type ZnodePaths,
} from '@registrar/platform';
import { DataSource } from 'typeorm';
import { COORDINATOR_BINDING } from '../common/coordinator-binding.js';
import { ExamSeatAllocator } from './exam-seat-allocator.js';
import { EXAM_SEATS, examSeatTables } from './exam-seats.js';

export const examSeatsProvider: Provider = {
  provide: EXAM_SEATS,
  inject: [DataSource, COORDINATOR_BINDING, COORDINATION_CLIENT_FACTORY, ZNODE_PATHS, PlatformConfig, CLOCK],
  useFactory: (
    dataSource: DataSource,
    binding: SessionBinding,
    clientFactory: () => Promise<never>,
    paths: ZnodePaths,
    config: PlatformConfig,
    clock: Clock,
  ) =>
    new ExamSeatAllocator(
      new SeatAllocator({
        dataSource,
        tables: examSeatTables,
        client: binding.client,
        clientFactory,
        lockPath: (poolId) => paths.examSessionLock(poolId),
        lockOwner: config.instanceId,
        now: () => clock.now(),
        skipFenceCheck: config.planted('skip-fence-check'),
        releaseLockBeforeCommit: config.planted('release-lock-before-commit'),
      }),
    ),
};
