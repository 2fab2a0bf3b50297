import { describe, expect, it } from 'vitest';
import { AvgMinMaxCounter } from './avg-min-max.js';

describe('AvgMinMaxCounter', () => {
  it('shows zeros before the first value, as ZooKeeper does', () => {
    expect(new AvgMinMaxCounter('fsynctime').rows()).toEqual({
      avg_fsynctime: '0.0',
      min_fsynctime: 0,
      max_fsynctime: 0,
      cnt_fsynctime: 0,
      sum_fsynctime: 0,
    });
  });

  it('keeps the average, extremes, count and sum of what it saw, and forgets them on reset', () => {
    const c = new AvgMinMaxCounter('sync_processor_batch_size');
    for (const v of [6, 1, 16, 3]) c.observe(v);
    expect(c.rows()).toEqual({
      avg_sync_processor_batch_size: '6.5',
      min_sync_processor_batch_size: 1,
      max_sync_processor_batch_size: 16,
      cnt_sync_processor_batch_size: 4,
      sum_sync_processor_batch_size: 26,
    });
    c.reset();
    c.observe(2);
    expect(c.rows()['cnt_sync_processor_batch_size']).toBe(1);
    expect(c.rows()['min_sync_processor_batch_size']).toBe(2);
    expect(c.rows()['avg_sync_processor_batch_size']).toBe('2');
  });

  it('shows fractional values (fsync ms) with integer extremes and sum and a decimal average', () => {
    const c = new AvgMinMaxCounter('fsynctime');
    c.observe(0.25);
    c.observe(1.5);
    expect(c.rows()).toMatchObject({
      avg_fsynctime: '0.875',
      min_fsynctime: 0,
      max_fsynctime: 2,
      sum_fsynctime: 2,
    });
  });
});
