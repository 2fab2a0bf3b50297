/**
 * The three tables of a seat pool family, named with a prefix so two families (course seats,
 * exam-session desks) can share one PostgreSQL database:
 * - `<prefix>_seat_pools`: one row per pool with its counters and the highest fencing token that
 *   wrote it. `CHECK (taken <= capacity)` makes the database itself refuse an overbooking.
 * - `<prefix>_seat_holds`: one row per (pool, holder), the holder's current status.
 * - `<prefix>_seat_events`: one row per state change (history), with the fencing token it was
 *   written under, so an audit can see writes arriving out of token order.
 * Entities are EntitySchemas (not decorated classes) because the table names depend on the prefix.
 */
import { EntitySchema, Table, TableIndex, type QueryRunner } from 'typeorm';
import { bigintTransformer } from '../database/bigint.transformer.js';
import { portableTypes } from '../database/portable-types.js';
import type { SeatStatus } from './seat-model.js';

export interface SeatPoolRow {
  id: string;
  capacity: number;
  taken: number;
  waitlistCapacity: number;
  waitlisted: number;
  nextTicket: number;
  fence: number;
  updatedAt: Date;
}

export interface SeatHoldRow {
  poolId: string;
  holderId: string;
  status: SeatStatus;
  ticket: number | null;
  seatedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SeatEventRow {
  id: number;
  poolId: string;
  holderId: string;
  fromStatus: SeatStatus | null;
  toStatus: SeatStatus;
  reason: string;
  fence: number;
  actorId: string | null;
  at: Date;
}

/** Table names and TypeORM entity schemas of one seat pool family. */
export interface SeatTables {
  prefix: string;
  names: { pools: string; holds: string; events: string };
  pools: EntitySchema<SeatPoolRow>;
  holds: EntitySchema<SeatHoldRow>;
  events: EntitySchema<SeatEventRow>;
  /** The three schemas, for a DataSource's `entities`. */
  entities: EntitySchema[];
}

const PREFIX = /^[a-z][a-z0-9_]{0,30}$/;

/**
 * @example
 *   const courseSeats = seatTables('course');
 *   PlatformModule.forRoot({ entities: [...courseSeats.entities, Course], ... })
 */
export function seatTables(prefix: string): SeatTables {
  if (!PREFIX.test(prefix)) throw new Error(`seat table prefix must match ${PREFIX}: ${prefix}`);
  const names = {
    pools: `${prefix}_seat_pools`,
    holds: `${prefix}_seat_holds`,
    events: `${prefix}_seat_events`,
  };
  const big = { type: 'bigint' as const, transformer: bigintTransformer };
  const pools = new EntitySchema<SeatPoolRow>({
    name: `${prefix}SeatPool`,
    tableName: names.pools,
    columns: {
      id: { type: 'varchar', primary: true },
      capacity: { type: 'integer' },
      taken: { type: 'integer' },
      waitlistCapacity: { type: 'integer', name: 'waitlist_capacity' },
      waitlisted: { type: 'integer' },
      nextTicket: { ...big, name: 'next_ticket' },
      fence: { ...big },
      updatedAt: { type: Date, name: 'updated_at' },
    },
  });
  const holds = new EntitySchema<SeatHoldRow>({
    name: `${prefix}SeatHold`,
    tableName: names.holds,
    columns: {
      poolId: { type: 'varchar', primary: true, name: 'pool_id' },
      holderId: { type: 'varchar', primary: true, name: 'holder_id' },
      status: { type: 'varchar' },
      ticket: { ...big, nullable: true },
      seatedAt: { type: Date, name: 'seated_at', nullable: true },
      createdAt: { type: Date, name: 'created_at' },
      updatedAt: { type: Date, name: 'updated_at' },
    },
  });
  const events = new EntitySchema<SeatEventRow>({
    name: `${prefix}SeatEvent`,
    tableName: names.events,
    columns: {
      id: { type: 'integer', primary: true, generated: 'increment' },
      poolId: { type: 'varchar', name: 'pool_id' },
      holderId: { type: 'varchar', name: 'holder_id' },
      fromStatus: { type: 'varchar', name: 'from_status', nullable: true },
      toStatus: { type: 'varchar', name: 'to_status' },
      reason: { type: 'varchar' },
      fence: { ...big },
      actorId: { type: 'varchar', name: 'actor_id', nullable: true },
      at: { type: Date },
    },
  });
  return { prefix, names, pools, holds, events, entities: [pools, holds, events] as EntitySchema[] };
}

/**
 * Creates the family's tables; call from a service migration's `up`. Runs on SQLite and PostgreSQL.
 * @example
 *   async up(q: QueryRunner) { await createSeatTables(q, 'course'); }
 */
export async function createSeatTables(queryRunner: QueryRunner, prefix: string): Promise<void> {
  const { names } = seatTables(prefix);
  const t = portableTypes(queryRunner);
  const ts = { type: t.timestamp };
  await queryRunner.createTable(
    new Table({
      name: names.pools,
      columns: [
        { name: 'id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'capacity', type: t.int },
        { name: 'taken', type: t.int, default: 0 },
        { name: 'waitlist_capacity', type: t.int, default: 0 },
        { name: 'waitlisted', type: t.int, default: 0 },
        { name: 'next_ticket', type: t.bigint, default: 1 },
        { name: 'fence', type: t.bigint, default: 0 },
        { name: 'updated_at', ...ts },
      ],
      // The database's own guard against overbooking: no statement can leave taken above capacity.
      checks: [
        { name: `${names.pools}_taken_within_capacity`, expression: 'taken >= 0 AND taken <= capacity' },
        {
          name: `${names.pools}_waitlist_within_capacity`,
          expression: 'waitlisted >= 0 AND waitlisted <= waitlist_capacity',
        },
      ],
    }),
  );
  await queryRunner.createTable(
    new Table({
      name: names.holds,
      columns: [
        { name: 'pool_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'holder_id', type: 'varchar', length: '64', isPrimary: true },
        { name: 'status', type: 'varchar', length: '16' },
        { name: 'ticket', type: t.bigint, isNullable: true },
        { name: 'seated_at', ...ts, isNullable: true },
        { name: 'created_at', ...ts },
        { name: 'updated_at', ...ts },
      ],
      checks: [
        { name: `${names.holds}_status`, expression: "status IN ('seated', 'waitlisted', 'released')" },
      ],
      foreignKeys: [
        { columnNames: ['pool_id'], referencedTableName: names.pools, referencedColumnNames: ['id'] },
      ],
    }),
  );
  await queryRunner.createIndex(
    names.holds,
    new TableIndex({ name: `${names.holds}_by_status`, columnNames: ['pool_id', 'status', 'ticket'] }),
  );
  await queryRunner.createIndex(
    names.holds,
    new TableIndex({ name: `${names.holds}_by_holder`, columnNames: ['holder_id'] }),
  );
  await queryRunner.createTable(
    new Table({
      name: names.events,
      columns: [
        { name: 'id', type: t.int, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: 'pool_id', type: 'varchar', length: '64' },
        { name: 'holder_id', type: 'varchar', length: '64' },
        { name: 'from_status', type: 'varchar', length: '16', isNullable: true },
        { name: 'to_status', type: 'varchar', length: '16' },
        { name: 'reason', type: 'varchar', length: '16' },
        { name: 'fence', type: t.bigint },
        { name: 'actor_id', type: 'varchar', length: '64', isNullable: true },
        { name: 'at', ...ts },
      ],
    }),
  );
  await queryRunner.createIndex(
    names.events,
    new TableIndex({ name: `${names.events}_by_pool`, columnNames: ['pool_id', 'holder_id'] }),
  );
}

/** Drops the family's tables; call from a migration's `down`. */
export async function dropSeatTables(queryRunner: QueryRunner, prefix: string): Promise<void> {
  const { names } = seatTables(prefix);
  await queryRunner.dropTable(names.events);
  await queryRunner.dropTable(names.holds);
  await queryRunner.dropTable(names.pools);
}
