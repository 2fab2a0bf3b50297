import type { ValueTransformer } from 'typeorm';

/**
 * bigint columns as JS numbers. PostgreSQL's driver returns int8 as a string to avoid precision
 * loss; our values (zxid fencing tokens, counters) stay below 2^53, and this checks it.
 */
export const bigintTransformer: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | number | null) => {
    if (v === null || v === undefined) return v;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isSafeInteger(n)) throw new RangeError(`bigint column value ${String(v)} exceeds 2^53`);
    return n;
  },
};
