/** Where every benchmark keeps its raw figures: one JSON file per run under bench/results/. */
import { mkdirSync, writeFileSync } from 'node:fs';

/** Writes `data` to bench/results/<kind>-<ISO time>.json, says so on stdout, and returns the path. */
export function writeBenchResults(kind: string, data: unknown): string {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify(data, null, 2));
  console.log(`results written to ${file}`);
  return file;
}
