import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench } from './bench.js';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUFFIX = '.bench.ts';

/** The names of the benches: every `bench/<name>.bench.ts`, sorted. */
export function benchNames(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

/** Loads benches by name, in the order given (all when none is); an unknown name is an error listing the known ones. */
export async function loadBenches(names: readonly string[] = []): Promise<Bench[]> {
  const known = benchNames();
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) throw new Error(`no bench named ${unknown.join(', ')}; the benches are: ${known.join(' ')}`);
  const wanted = names.length > 0 ? [...new Set(names)] : known;
  return Promise.all(
    wanted.map(async (name) => {
      const mod = (await import(pathToFileURL(join(BENCH_DIR, `${name}${SUFFIX}`)).href)) as { default?: Bench };
      const bench = mod.default;
      if (!bench || bench.name !== name || typeof bench.run !== 'function') {
        throw new Error(`bench/${name}${SUFFIX} must export default defineBench({ name: '${name}', … })`);
      }
      return bench;
    }),
  );
}

/**
 * The command line's words grouped by bench: each bench name with the words after it that name
 * no bench (`nexmark q5 q7` → nexmark: q5, q7), in the order given.
 *
 * @throws Error for a word before any bench name
 */
export function groupBenchWords(words: readonly string[], known: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const w of words) {
    if (known.includes(w)) groups.set(w, (current = groups.get(w) ?? []));
    else if (current) current.push(w);
    else throw new Error(`no bench named ${w}; the benches are: ${known.join(' ')}`);
  }
  return groups;
}
