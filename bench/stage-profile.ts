/**
 * Where a member's CPU goes per write, from a V8 CPU profile of the member process
 * (`node --cpu-prof`, written when it exits). Each sample is charged to the stage of the innermost
 * frame on its stack that belongs to one: the write path's stages (decode, prep, log, zab, apply,
 * reply) by the source file of the frame, then socket I/O and file I/O by Node's own modules, then
 * the member's pipeline glue; generic helpers (jute reader/writer, Buffer, path utilities) are
 * skipped so their time lands on the stage that called them. Only samples inside the measured
 * windows count (the profile's timestamps and process.hrtime are both CLOCK_MONOTONIC on Linux).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const STAGES = [
  'decode',
  'prep',
  'log',
  'zab',
  'apply',
  'reply',
  'socket I/O',
  'file I/O',
  'pipeline',
  'gc',
  'other',
] as const;
export type Stage = (typeof STAGES)[number];

/** First match wins; patterns are matched against the frame's URL (dist/ or src/ paths alike). */
const RULES: readonly [RegExp, Stage][] = [
  [/protocol\/(request-codec|frame-decoder|connect-codec|multi-codec)/, 'decode'],
  [/tree\/(request-preparer|acl)/, 'prep'],
  [/server\/write-rules/, 'prep'],
  [/storage\/|tree\/txn-codec/, 'log'],
  [/zab\/|server\/zab-|server\/quorum\//, 'zab'],
  [/tree\/(data-tree|node-table|data-slab|watch-manager)|server\/zk-database/, 'apply'],
  [/protocol\/response-codec|server\/txn-response|protocol\/(event|reply)/, 'reply'],
  [/^node:net$|internal\/stream_base_commons|internal\/streams\//, 'socket I/O'],
  [/^node:fs$|internal\/fs\//, 'file I/O'],
  [/server\/|apps\/coordinator\/|session\//, 'pipeline'],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A measured interval in process.hrtime microseconds, and the writes done in it. */
export interface StageWindow {
  name: string;
  fromUs: number;
  toUs: number;
  ops: number;
}

export interface StageRow {
  name: string;
  ops: number;
  /** CPU microseconds per write, by stage (idle excluded). */
  usPerOp: Record<Stage, number>;
  totalUsPerOp: number;
}

/** The newest .cpuprofile in `dir`. */
export function readNewestProfile(dir: string): CpuProfile {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort();
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir} (did the member exit cleanly?)`);
  return JSON.parse(readFileSync(join(dir, files[files.length - 1]!), 'utf8')) as CpuProfile;
}

function classify(frame: ProfileNode['callFrame']): Stage | undefined {
  if (frame.functionName === '(garbage collector)') return 'gc';
  for (const [re, stage] of RULES) if (re.test(frame.url)) return stage;
  return undefined;
}

/** CPU per write and stage for each window. */
export function stagesPerWrite(profile: CpuProfile, windows: StageWindow[]): StageRow[] {
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const stageOf = new Map<number, Stage | null>();
  const resolve = (id: number): Stage | null => {
    const known = stageOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') return cache(id, null);
    const own = classify(node.callFrame);
    if (own) return cache(id, own);
    const up = parent.get(id);
    return cache(id, up === undefined ? 'other' : resolve(up) === null ? 'other' : resolve(up));
  };
  const cache = (id: number, s: Stage | null) => (stageOf.set(id, s), s);

  const totals = windows.map(() => Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>);
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    const w = windows.findIndex((x) => t >= x.fromUs && t < x.toUs);
    if (w < 0) continue;
    const stage = resolve(profile.samples[i]!);
    // A sample stands for the interval since the previous one.
    if (stage) totals[w]![stage] += dt;
  }
  return windows.map((w, i) => {
    const usPerOp = Object.fromEntries(STAGES.map((s) => [s, w.ops ? totals[i]![s] / w.ops : 0])) as Record<
      Stage,
      number
    >;
    return { name: w.name, ops: w.ops, usPerOp, totalUsPerOp: STAGES.reduce((a, s) => a + usPerOp[s], 0) };
  });
}
