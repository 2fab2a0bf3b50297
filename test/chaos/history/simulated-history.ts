/**
 * Generates register-cas histories from a real sequential execution, for testing the checker.
 *
 * Each process issues one op at a time; each op gets a random duration and a linearization point
 * inside it; ops are then applied to a sequential model in linearization-point order to compute
 * their outputs. Such a history is linearizable by construction.
 */
import type { Operation } from './history.js';
import type { RegisterInput, RegisterOutput, RegisterState } from './models/register-cas.js';

export interface SimulationOptions {
  seed: number;
  ops: number;
  keys: number;
  processes: number;
  /** Longest op duration (time units). */
  maxDuration?: number;
  /** Probability an op ends 'unknown' (half of those still take effect). */
  unknownRate?: number;
}

/** Small seeded PRNG (mulberry32): deterministic, so a failing seed replays exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type RegOp = Operation<RegisterInput, RegisterOutput>;

/** Builds a linearizable register-cas history (see module comment). */
export function simulateRegisterHistory(o: SimulationOptions): RegOp[] {
  const rnd = mulberry32(o.seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const maxDuration = o.maxDuration ?? 100;
  const unknownRate = o.unknownRate ?? 0;
  const clocks = Array.from({ length: o.processes }, () => 0);
  const ids = Array.from({ length: o.processes }, (_, i) => i);
  const planned: { op: RegOp; point: number | null; seq: number }[] = [];
  for (let n = 0; n < o.ops; n++) {
    let p = 0;
    for (let i = 1; i < clocks.length; i++) if (clocks[i]! < clocks[p]!) p = i;
    const invoke = clocks[p]! + int(20);
    const duration = 1 + int(maxDuration);
    const complete = invoke + duration;
    const r = rnd();
    const kind = r < 0.4 ? 'read' : r < 0.7 ? 'write' : 'cas';
    const op: RegOp = {
      process: ids[p]!,
      op: kind,
      key: `/k${int(o.keys)}`,
      input: kind === 'read' ? {} : { value: `v${n}` },
      invoke,
      complete,
      status: 'ok',
    };
    let point: number | null = invoke + int(duration + 1);
    if (rnd() < unknownRate) {
      op.status = 'unknown';
      delete op.complete;
      // A timed-out op may land after the client gave up, or never.
      point = rnd() < 0.5 ? invoke + int(3 * duration + 1) : null;
      ids[p] = ids[p]! + o.processes; // like Jepsen, a crashed process is replaced by a fresh one
    }
    clocks[p] = complete;
    planned.push({ op, point, seq: n });
  }
  const regs = new Map<string, RegisterState>();
  const applied = planned
    .filter((x) => x.point !== null)
    .sort((a, b) => a.point! - b.point! || a.seq - b.seq);
  for (const { op } of applied) {
    const s = regs.get(op.key) ?? { value: null, version: 0 };
    if (op.op === 'read') {
      op.output = { value: s.value, version: s.version };
    } else if (op.op === 'write') {
      regs.set(op.key, { value: op.input.value!, version: s.version + 1 });
      op.output = { version: s.version + 1 };
    } else {
      const hit = rnd() < 0.6;
      op.input.expectedVersion = hit ? s.version : s.version + 1 + int(2);
      if (hit) {
        regs.set(op.key, { value: op.input.value!, version: s.version + 1 });
        op.output = { version: s.version + 1 };
      } else if (op.status === 'ok') {
        op.status = 'fail';
        op.output = {};
      }
    }
    if (op.status === 'unknown') delete op.output;
  }
  // Unknown ops that never applied still need a well-formed input.
  for (const { op, point } of planned) {
    if (point === null && op.op === 'cas') op.input.expectedVersion = int(5);
  }
  return planned.map((x) => x.op);
}
