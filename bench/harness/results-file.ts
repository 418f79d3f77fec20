import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run-bench.js';

/** The results the README's tables are made from, committed beside the benches. */
export const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'latest.json');

const FORMAT = 1;

/** The newest full-size result of each bench, by name. */
export interface ResultsFile {
  readonly format: typeof FORMAT;
  readonly results: Readonly<Record<string, BenchResult>>;
}

export function readResults(path = RESULTS_FILE): ResultsFile {
  if (!existsSync(path)) return { format: FORMAT, results: {} };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ResultsFile>;
  if (parsed.format !== FORMAT || typeof parsed.results !== 'object' || parsed.results === null) {
    throw new Error(`${path} is not a bench results file of format ${FORMAT}; delete it and run \`npm run bench -- --json\``);
  }
  return parsed as ResultsFile;
}

/**
 * Replaces the results of the benches that just ran and keeps the others, so a subset can be
 * measured again on its own. Written whole to a temporary name, then renamed.
 */
export function writeResults(fresh: readonly BenchResult[], path = RESULTS_FILE): ResultsFile {
  const results: Record<string, BenchResult> = { ...readResults(path).results };
  for (const r of fresh) results[r.name] = r;
  const sorted = Object.fromEntries(Object.entries(results).sort(([a], [b]) => a.localeCompare(b)));
  const file: ResultsFile = { format: FORMAT, results: sorted };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return file;
}
