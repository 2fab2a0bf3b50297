/** Structural comparison of canonical observations: the path to the first difference, if any. */
import type { Canonical } from './observation.js';

export function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (a === b) return undefined;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length) return `${path}[${i}] (only in candidate)`;
      if (i >= b.length) return `${path}[${i}] (only in reference)`;
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = a as Record<string, Canonical>;
    const kb = b as Record<string, Canonical>;
    for (const k of new Set([...Object.keys(ka), ...Object.keys(kb)])) {
      if (!(k in kb)) return `${path}.${k} (only in reference)`;
      if (!(k in ka)) return `${path}.${k} (only in candidate)`;
      const d = firstDifference(ka[k], kb[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  return path;
}
