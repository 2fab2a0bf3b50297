/**
 * SetWatches framing for a resumed session: the watches this client holds, as the requests that
 * restore them on the new server. ZooKeeper splits them so no frame nears jute.maxbuffer
 * (ZOOKEEPER-706), and uses SetWatches2 (with the persistent lists) only when persistent watches
 * exist, so a 3.5 server still understands a client that never used addWatch.
 */
import type { SetWatchesRequest } from '../protocol/records.js';
import type { WatchSnapshot } from './watch-registry.js';

/** Bytes of paths per SetWatches frame, as ZooKeeper's client (SET_WATCHES_MAX_LENGTH). */
export const SET_WATCHES_MAX_BYTES = 128 * 1024;

/**
 * The SetWatches requests for `watches` (client paths, mapped with `toServer`). Paths keep their
 * kind and order; a batch closes before the path that would take it over `maxBytes` (a single
 * longer path still goes, alone). No watches, no requests.
 * @example
 *   for (const req of setWatchesRequests(registry.snapshot(), lastZxid, (p) => chroot.toServer(p)))
 *     frames.push(encodeRequest(-8, req));
 */
export function setWatchesRequests(
  watches: WatchSnapshot,
  relativeZxid: number,
  toServer: (clientPath: string) => string,
  maxBytes = SET_WATCHES_MAX_BYTES,
): SetWatchesRequest[] {
  const op = watches.persistent.length > 0 || watches.recursive.length > 0 ? 'setWatches2' : 'setWatches';
  const lists = [watches.data, watches.exist, watches.child, watches.persistent, watches.recursive];
  const requests: SetWatchesRequest[] = [];
  let batch: string[][] = [[], [], [], [], []];
  let bytes = 0;
  const flush = () => {
    const [dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches] =
      batch as [string[], string[], string[], string[], string[]];
    requests.push({
      op,
      relativeZxid,
      dataWatches,
      existWatches,
      childWatches,
      persistentWatches,
      persistentRecursiveWatches,
    });
    batch = [[], [], [], [], []];
    bytes = 0;
  };
  lists.forEach((list, kind) => {
    for (const clientPath of list) {
      const path = toServer(clientPath);
      // 4 bytes of jute string length, then the UTF-8 bytes.
      const size = 4 + Buffer.byteLength(path);
      if (bytes > 0 && bytes + size > maxBytes) flush();
      batch[kind]!.push(path);
      bytes += size;
    }
  });
  if (bytes > 0) flush();
  return requests;
}
