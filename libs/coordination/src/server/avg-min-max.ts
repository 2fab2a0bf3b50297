/**
 * ZooKeeper's AvgMinMaxCounter: what mntr shows of a summary metric such as `fsynctime` or
 * `sync_processor_batch_size`, as the five rows `avg_`, `min_`, `max_`, `cnt_` and `sum_` of its
 * name, so a dashboard built for ZooKeeper reads ours unchanged. min, max and sum are shown as
 * integers and avg as a decimal, as ZooKeeper prints them; `srst` resets them.
 */
export class AvgMinMaxCounter {
  private count = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;

  constructor(readonly name: string) {}

  observe(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }

  /** The mntr rows, without the `zk_` prefix (0 everywhere before the first value, as ZooKeeper). */
  rows(): Record<string, number | string> {
    const n = this.name;
    const empty = this.count === 0;
    return {
      [`avg_${n}`]: empty ? '0.0' : String(Math.round((this.sum / this.count) * 1e4) / 1e4),
      [`min_${n}`]: empty ? 0 : Math.round(this.min),
      [`max_${n}`]: empty ? 0 : Math.round(this.max),
      [`cnt_${n}`]: this.count,
      [`sum_${n}`]: Math.round(this.sum),
    };
  }
}
