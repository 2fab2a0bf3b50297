/**
 * The iteration order of a java.util.HashSet, for answers where Apache ZooKeeper lists the
 * contents of one (whoAmI lists a connection's auth ids from a HashSet<Id>, observed against
 * 3.8.0): buckets in index order, insertion order within a bucket, the table doubling from 16
 * whenever the size passes three quarters of it. Pure; no I/O.
 */

/** java.lang.String#hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** hashCode of a jute-generated record of strings (17, then 37 * result + field hash, in order). */
export function juteStringRecordHash(...fields: string[]): number {
  let result = 17;
  for (const f of fields) result = (Math.imul(37, result) + javaStringHash(f)) | 0;
  return result;
}

/**
 * `items` (distinct, in insertion order) in the order a HashSet holding them iterates.
 * @example javaHashSetOrder(ids, (id) => juteStringRecordHash(id.scheme, id.id))
 */
export function javaHashSetOrder<T>(items: readonly T[], hash: (item: T) => number): T[] {
  let capacity = 16;
  while (items.length > capacity * 0.75) capacity *= 2;
  const bucket = (h: number) => (h ^ (h >>> 16)) & (capacity - 1);
  return items
    .map((item, i) => ({ item, i, b: bucket(hash(item)) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.item);
}
