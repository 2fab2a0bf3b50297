/**
 * Txns per txn-log flush, read from mntr's `sync_processor_batch_size` summary (ZooKeeper's name,
 * which our member and the write floor show too): how many writes share one fsync. On a small
 * machine this is much of what separates the servers' write throughput, so the bench prints it.
 */
import { fourLetterWord, parseMntr } from '../test/support/four-letter-word.js';

export interface FlushCount {
  flushes: number;
  txns: number;
}

/** The server's flush counters now; undefined when it does not answer mntr with them. */
export async function readFlushCount(connectString: string): Promise<FlushCount | undefined> {
  const port = Number(connectString.split(',')[0]!.split(':').pop());
  try {
    const m = parseMntr(await fourLetterWord(port, 'mntr'));
    const flushes = Number(m.get('zk_cnt_sync_processor_batch_size'));
    const txns = Number(m.get('zk_sum_sync_processor_batch_size'));
    return Number.isFinite(flushes) && Number.isFinite(txns) ? { flushes, txns } : undefined;
  } catch {
    return undefined;
  }
}

/** Txns per flush between two readings; undefined without both or without a flush between them. */
export function txnsPerFlush(before?: FlushCount, after?: FlushCount): number | undefined {
  if (!before || !after) return undefined;
  const flushes = after.flushes - before.flushes;
  return flushes > 0 ? (after.txns - before.txns) / flushes : undefined;
}
