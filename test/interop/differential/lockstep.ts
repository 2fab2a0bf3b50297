/**
 * Runs one seeded sequence against the reference (Apache ZooKeeper) and the candidate (our member)
 * in lock step: each step goes to both, both observations are normalised by the allowed
 * differences and compared; the first difference ends the sequence with everything needed to
 * replay and read it (seed, step, both observations).
 */
import { normalize } from './allowed-differences.js';
import { firstDifference } from './compare.js';
import { SequenceGenerator } from './generator.js';
import type { Canonical } from './observation.js';
import { describeStep, type ModelState, type Step } from './scenario.js';
import { TargetRun, type StepObservation } from './target-run.js';

export interface ServerUnderTest {
  name: string;
  ports: number[];
  startedAt: number;
}

export interface Difference {
  seed: number;
  stepIndex: number;
  step: Step;
  /** every step before the difference, described, for replaying by hand */
  history: string[];
  path: string;
  reference: StepObservation;
  candidate: StepObservation;
}

export interface SequenceResult {
  seed: number;
  steps: number;
  difference?: Difference;
}

export interface RunOptions {
  ensemble: boolean;
  /** parent of every sequence root, e.g. "/diff" (must exist on both servers) */
  parent: string;
  /** called after every compared step (for --verbose) */
  onStep?: (index: number, step: Step, reference: StepObservation, candidate: StepObservation) => void;
}

export async function runSequence(
  seed: number,
  reference: ServerUnderTest,
  candidate: ServerUnderTest,
  opts: RunOptions,
): Promise<SequenceResult> {
  const root = `${opts.parent}/s${seed}`;
  const gen = new SequenceGenerator(seed, root, { members: reference.ports.length });
  const ref = new TargetRun(reference.name, reference.ports, reference.startedAt, opts.ensemble);
  const cand = new TargetRun(candidate.name, candidate.ports, candidate.startedAt, opts.ensemble);
  const model: ModelState = { sessions: [], created: [] };
  const history: string[] = [];
  let steps = 0;
  try {
    for (let step = gen.next(model); step; step = gen.next(model)) {
      const [a, b] = await Promise.all([ref.step(step), cand.step(step)]);
      const ctx = { step, ensemble: opts.ensemble };
      const na = normalize(a, ctx);
      const nb = normalize(b, ctx);
      const path = firstDifference(na, nb);
      opts.onStep?.(steps, step, na, nb);
      if (path) {
        return {
          seed,
          steps,
          difference: { seed, stepIndex: steps, step, history, path, reference: na, candidate: nb },
        };
      }
      history.push(describeStep(step));
      steps++;
      updateModel(model, step, ref, a);
    }
    return { seed, steps };
  } finally {
    await Promise.all([ref.closeAll(), cand.closeAll()]);
  }
}

/** The model follows the reference server: which sessions live, which paths were created. */
function updateModel(model: ModelState, step: Step, ref: TargetRun, obs: StepObservation): void {
  if ('session' in step) {
    const i = step.session;
    model.sessions[i] = ref.isOpen(i) ? 'open' : ref.sessionClosed(i) ? 'closed' : 'dropped';
    if (step.kind === 'connect' && !ref.isOpen(i)) model.sessions[i] = 'closed';
  }
  for (const f of obs.frames) collectCreated(f, model.created);
}

function collectCreated(f: Canonical, out: string[]): void {
  if (!f || typeof f !== 'object' || Array.isArray(f)) return;
  const res = f['response'];
  if (!res || typeof res !== 'object' || Array.isArray(res)) return;
  const add = (r: Canonical) => {
    if (r && typeof r === 'object' && !Array.isArray(r) && typeof r['path'] === 'string') {
      const op = r['op'];
      if (typeof op === 'string' && op.startsWith('create') && !out.includes(r['path'])) out.push(r['path']);
    }
  };
  add(res);
  const results = res['results'];
  if (Array.isArray(results)) results.forEach(add);
}

/** A difference as a report: seed, replay command, the steps before it, the step, both answers. */
export function formatDifference(d: Difference, replay: string): string {
  return [
    `DIFFERENCE at seed ${d.seed}, step ${d.stepIndex}: ${d.path}`,
    `replay: ${replay}`,
    `steps before it:`,
    ...d.history.map((h, i) => `  ${i}. ${h}`),
    `step: ${describeStep(d.step)}`,
    `reference (Apache ZooKeeper): ${JSON.stringify(d.reference)}`,
    `candidate (Registrar):        ${JSON.stringify(d.candidate)}`,
  ].join('\n');
}
