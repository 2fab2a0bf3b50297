/**
 * Znode paths as UTF-8 bytes by node id, in the shared slabs of a {@link DataSlab}, instead of one
 * JS string per node. A million path strings were the last per-znode objects in the heap (~32 bytes
 * each plus an 8-byte array slot, all traced by every full GC, plus the old-space slack V8 keeps in
 * proportion); as bytes they are ~16 bytes of slab and 12 bytes of columns outside the heap.
 *
 * Lookups compare the key string with the stored bytes in place (no decoding, no allocation): an
 * ASCII key's char codes are its bytes; any other key is encoded once into a scratch buffer. A
 * path becomes a string again only when one is handed out (getChildren, snapshots, deletes).
 * Paths reaching the tree come from the wire decoder or snapshots, so they are well-formed UTF-16
 * and encoding is one-to-one.
 */
import { DataSlab } from './data-slab.js';
import type { PathKeys } from './path-index.js';

const SLASH = 0x2f;

/** FNV-1a over the bytes `buf[start, end)`; {@link pathHash} gives the same value for a string. */
export function bytesHash(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h | 0;
}

/**
 * FNV-1a over an ASCII string's char codes (its UTF-8 bytes), or undefined at the first non-ASCII
 * character: the one string loop behind {@link pathHash} and {@link PathBytes.keyHash}.
 */
function asciiHash(path: string): number | undefined {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 0x80) return undefined;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h | 0;
}

/** FNV-1a over a path's UTF-8 bytes; cheap for short paths, and spreads "/a/n1".."/a/n999" well. */
export function pathHash(path: string): number {
  const ascii = asciiHash(path);
  if (ascii !== undefined) return ascii;
  const bytes = Buffer.from(path, 'utf8');
  return bytesHash(bytes, 0, bytes.length);
}

/** Longest run decoded by char codes; V8 builds longer strings by concatenation as cons strings. */
const SHORT = 12;

/**
 * UTF-8 bytes to a string. A short ASCII run (a child's name, most often) is built from char
 * codes, ~3x cheaper than the native decoder call, which getChildren would pay per child.
 */
function decode(buf: Buffer, start: number, end: number): string {
  if (end - start <= SHORT) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return buf.toString('utf8', start, end);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return buf.toString('utf8', start, end);
}

export class PathBytes implements PathKeys {
  private readonly store: DataSlab;

  /** The slab store holding the bytes (for readers that copy them in place). */
  get slab(): DataSlab {
    return this.store;
  }
  private scratch = Buffer.allocUnsafeSlow(256);
  /** Byte length of the key in `scratch`, or -1 when the last key was ASCII (compared by char). */
  private keyBytes = -1;

  constructor(capacity: number) {
    this.store = new DataSlab(capacity);
  }

  grow(capacity: number): void {
    this.store.grow(capacity);
  }

  /** Whether id holds a path (a live node: no path is empty). */
  has(id: number): boolean {
    return this.store.length(id) > 0;
  }

  /** Stores `path` as id's path; returns its {@link pathHash}. */
  set(id: number, path: string): number {
    const n = this.encode(path);
    this.store.store(id, this.scratch.subarray(0, n));
    return bytesHash(this.scratch, 0, n);
  }

  release(id: number): void {
    this.store.release(id);
  }

  /** id's path as a string. */
  pathOf(id: number): string {
    const start = this.store.start(id);
    return decode(this.store.backing(id)!, start, start + this.store.length(id));
  }

  /** id's last path segment ("b" for "/a/b"), decoded from its bytes alone. */
  nameOf(id: number): string {
    const buf = this.store.backing(id)!;
    const start = this.store.start(id);
    const end = start + this.store.length(id);
    let i = end - 1;
    while (i >= start && buf[i] !== SLASH) i--;
    return decode(buf, i + 1, end);
  }

  /** Byte length of id's path. */
  byteLength(id: number): number {
    return this.store.length(id);
  }

  keyHash(path: string): number {
    const ascii = asciiHash(path);
    if (ascii !== undefined) {
      this.keyBytes = -1;
      return ascii;
    }
    this.keyBytes = this.encode(path);
    return bytesHash(this.scratch, 0, this.keyBytes);
  }

  matchesKey(id: number, path: string): boolean {
    const len = this.store.length(id);
    const buf = this.store.backing(id);
    if (buf === undefined) return false;
    const start = this.store.start(id);
    if (this.keyBytes < 0) {
      if (len !== path.length) return false;
      for (let i = 0; i < len; i++) if (buf[start + i] !== path.charCodeAt(i)) return false;
      return true;
    }
    if (len !== this.keyBytes) return false;
    const key = this.scratch;
    for (let i = 0; i < len; i++) if (buf[start + i] !== key[i]) return false;
    return true;
  }

  /** Encodes `path` into the scratch buffer (grown as needed); returns its byte length. */
  private encode(path: string): number {
    if (path.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafeSlow(path.length * 3);
    return this.scratch.write(path, 0, 'utf8');
  }
}
