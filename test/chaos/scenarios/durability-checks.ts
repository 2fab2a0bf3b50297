/**
 * Pure checks of the durability scenario: what was acknowledged must still be there after the last
 * power loss, and every member must hold the same tree.
 */
import type { Anomaly } from '../harness/scenario.js';

/** The acknowledged state of one register key: the highest version a setData was acknowledged at. */
export interface AckedVersion {
  key: string;
  version: number;
  value: string;
}

/** What one member holds under the scenario's root: path -> `data@version` (children lists included). */
export type TreeView = ReadonlyMap<string, string>;

/**
 * Acknowledged setData versions must survive: the final version of a key is at least the highest
 * one acknowledged (a lower one means acknowledged writes were rolled back), and when it is equal
 * the data must be the acknowledged data.
 */
export function lostVersions(
  acked: readonly AckedVersion[],
  final: ReadonlyMap<string, { version: number; value: string } | 'absent'>,
): Anomaly[] {
  const best = new Map<string, AckedVersion>();
  for (const a of acked) {
    const b = best.get(a.key);
    if (!b || a.version > b.version) best.set(a.key, a);
  }
  const lost: string[] = [];
  for (const a of best.values()) {
    const f = final.get(a.key);
    if (f === undefined) continue;
    if (f === 'absent') lost.push(`${a.key}: acknowledged at version ${a.version}, now absent`);
    else if (f.version < a.version)
      lost.push(
        `${a.key}: acknowledged at version ${a.version} (${a.value}), now version ${f.version} (${f.value})`,
      );
    else if (f.version === a.version && f.value !== a.value)
      lost.push(`${a.key}: version ${a.version} acknowledged as ${a.value}, now holds ${f.value}`);
  }
  return lost.length === 0
    ? []
    : [
        {
          kind: 'lost-write',
          message: `${lost.length} keys lost acknowledged setData versions across power losses`,
          evidence: lost.slice(0, 10),
        },
      ];
}

/** A short, stable digest line for a member's view, and the first paths where two views differ. */
export function digestOf(view: TreeView): string {
  let h = 0x811c9dc5;
  const text = [...view.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([p, v]) => `${p}=${v}`)
    .join('\n');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${view.size} znodes fnv1a=${h.toString(16).padStart(8, '0')}`;
}

/** Members whose trees differ after the final restart: one anomaly naming the differing paths. */
export function digestMismatch(views: ReadonlyMap<number, TreeView>): Anomaly[] {
  const digests = new Map([...views].map(([id, v]) => [id, digestOf(v)]));
  if (new Set(digests.values()).size <= 1) return [];
  const paths = new Set<string>();
  for (const v of views.values()) for (const p of v.keys()) paths.add(p);
  const differing: string[] = [];
  for (const p of [...paths].sort()) {
    const vals = [...views].map(([id, v]) => `${id}=${v.get(p) ?? 'absent'}`);
    if (new Set([...views.values()].map((v) => v.get(p) ?? 'absent')).size > 1)
      differing.push(`${p}: ${vals.join(' ')}`);
    if (differing.length >= 8) break;
  }
  return [
    {
      kind: 'divergence',
      message: `members hold different trees: ${[...digests].map(([id, d]) => `${id}: ${d}`).join('; ')}`,
      evidence: differing,
    },
  ];
}
