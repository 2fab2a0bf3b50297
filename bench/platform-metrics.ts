/**
 * Reads the instances' own Prometheus histograms (registrar_stage_seconds, the lock recipe's
 * registrar_coordinator_round_trip_seconds, http_request_duration_seconds, seat_batch_size), so
 * "where the time goes" in the benchmark is the same number production exports. Pure apart from
 * `scrape`: parse the text format, add the instances up, subtract the before-scrape from the after.
 */

/** `_sum` and `_count` of one histogram series, keyed by the label we group by. */
export type SumCount = Map<string, { sum: number; count: number }>;

export interface StageScrape {
  /** registrar_stage_seconds by stage. */
  stages: SumCount;
  /** registrar_coordinator_round_trip_seconds by op. */
  roundTrips: SumCount;
  /** http_request_duration_seconds of the enrollment route (every status). */
  http: { sum: number; count: number };
  /** seat_batch_size: count = batches, sum = ops decided in them. */
  batches: { sum: number; count: number };
}

export const ENROLL_ROUTE = '/api/courses/:id/enrollments';

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

function add(map: SumCount, key: string, field: 'sum' | 'count', value: number): void {
  const e = map.get(key) ?? { sum: 0, count: 0 };
  e[field] += value;
  map.set(key, e);
}

/** One instance's scrape reduced to what the report needs. */
export function stageScrapeOf(text: string): StageScrape {
  const s: StageScrape = {
    stages: new Map(),
    roundTrips: new Map(),
    http: { sum: 0, count: 0 },
    batches: { sum: 0, count: 0 },
  };
  for (const x of parsePrometheus(text)) {
    const field = x.name.endsWith('_sum') ? 'sum' : x.name.endsWith('_count') ? 'count' : undefined;
    if (field === undefined) continue;
    const base = x.name.slice(0, x.name.lastIndexOf('_'));
    if (base === 'registrar_stage_seconds') add(s.stages, x.labels['stage'] ?? '?', field, x.value);
    else if (base === 'registrar_coordinator_round_trip_seconds')
      add(s.roundTrips, x.labels['op'] ?? '?', field, x.value);
    else if (
      base === 'http_request_duration_seconds' &&
      x.labels['method'] === 'POST' &&
      x.labels['route'] === ENROLL_ROUTE
    )
      s.http[field] += x.value;
    else if (base === 'seat_batch_size') s.batches[field] += x.value;
  }
  return s;
}

function mergeMaps(a: SumCount, b: SumCount, sign: 1 | -1): SumCount {
  const out: SumCount = new Map([...a].map(([k, v]) => [k, { ...v }]));
  for (const [k, v] of b) {
    const e = out.get(k) ?? { sum: 0, count: 0 };
    out.set(k, { sum: e.sum + sign * v.sum, count: e.count + sign * v.count });
  }
  return out;
}

/** Instances added up (sign 1), or after minus before (sign -1). */
export function combine(a: StageScrape, b: StageScrape, sign: 1 | -1): StageScrape {
  return {
    stages: mergeMaps(a.stages, b.stages, sign),
    roundTrips: mergeMaps(a.roundTrips, b.roundTrips, sign),
    http: { sum: a.http.sum + sign * b.http.sum, count: a.http.count + sign * b.http.count },
    batches: { sum: a.batches.sum + sign * b.batches.sum, count: a.batches.count + sign * b.batches.count },
  };
}

export const EMPTY_SCRAPE: StageScrape = {
  stages: new Map(),
  roundTrips: new Map(),
  http: { sum: 0, count: 0 },
  batches: { sum: 0, count: 0 },
};

/** Scrapes every instance's /metrics and adds them up. */
export async function scrape(urls: readonly string[]): Promise<StageScrape> {
  const texts = await Promise.all(
    urls.map(async (u) => {
      const r = await fetch(`${u}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (r.status !== 200) throw new Error(`${u}/metrics answered ${r.status}`);
      return r.text();
    }),
  );
  return texts.map(stageScrapeOf).reduce((a, b) => combine(a, b, 1), EMPTY_SCRAPE);
}

/** JSON-friendly form (Maps become objects). */
export function scrapeJson(s: StageScrape): Record<string, unknown> {
  return {
    stages: Object.fromEntries(s.stages),
    roundTrips: Object.fromEntries(s.roundTrips),
    http: s.http,
    batches: s.batches,
  };
}
