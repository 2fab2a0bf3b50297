/**
 * Where znode data lives. Small values are copied into large shared slabs instead of being kept
 * as the buffers they arrived in: a decoded request's buffers are slices of Node's 8 KiB pool,
 * shared with short-lived frames and replies, so keeping one 100-byte value would pin a whole
 * pool chunk of garbage (measured: ~580 B of RSS per 100-byte value, ~450 B with slabs).
 *
 * A slab is freed by the GC once no stored value points into it any more; values rewritten by
 * setData or deleted leave holes that go with their slab. Large values keep their own buffer.
 */
const SLAB_BYTES = 256 * 1024;
const SMALL_VALUE = 1024;

export class DataSlab {
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private at = 0;

  /** A stable copy of `data` (null stays null: ZooKeeper keeps "no data" distinct from empty). */
  store(data: Buffer | null): Buffer | null {
    if (data === null) return null;
    const len = data.length;
    if (len === 0) return EMPTY;
    if (len > SMALL_VALUE) return Buffer.from(data);
    if (this.at + len > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.at = 0;
    }
    const view = this.slab.subarray(this.at, this.at + len);
    data.copy(view);
    this.at += (len + 7) & ~7; // keep values 8-byte aligned
    return view;
  }
}

const EMPTY = Buffer.alloc(0);
