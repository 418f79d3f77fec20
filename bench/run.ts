/**
 * `npm run bench -- [name [word…]]… [options]`: runs the benches (every `bench/<name>.bench.ts`,
 * or the ones named), each with its own checks, and prints their figures. Words after a bench's
 * name that name no bench select what that bench runs, if it takes them (its `selects`
 * parameter): `npm run bench -- nexmark q5 q7`.
 *
 *   --list              the benches and what each measures
 *   --json              also store the results in bench/results/latest.json (replacing those benches' entries)
 *   --readme            --json, then regenerate README.md's tables from that file
 *   --provisional       mark the stored results as measured on a loaded machine
 *   --smoke             the tiny sizes `npm test` runs (never stored)
 *   --set name=value    override a parameter of the named bench(es), e.g. --set keys=20000000
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type Bench, type BenchResult, type ParamValue, benchNames, groupBenchWords, loadBenches, runBench } from './harness/index.js';
import { README_FILE, updateReadme } from './readme.js';
import { renderText } from './harness/render.js';
import { writeResults } from './harness/results-file.js';

/** `--set` plus the bench's selecting words, if any. */
function selection(bench: Bench, words: readonly string[], set: Readonly<Record<string, ParamValue>>): Record<string, ParamValue> {
  return words.length > 0 && bench.selects !== undefined ? { ...set, [bench.selects]: words.join(',') } : { ...set };
}

function parseSet(assignments: readonly string[]): Record<string, ParamValue> {
  const set: Record<string, ParamValue> = {};
  for (const a of assignments) {
    const m = /^([A-Za-z][\w-]*)=(.*)$/.exec(a);
    if (!m) throw new Error(`--set takes name=value, not '${a}'`);
    const raw = m[2]!;
    set[m[1]!] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return set;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      list: { type: 'boolean' },
      json: { type: 'boolean' },
      readme: { type: 'boolean' },
      provisional: { type: 'boolean' },
      smoke: { type: 'boolean' },
      set: { type: 'string', multiple: true },
    },
  });
  const groups = groupBenchWords(positionals, benchNames());
  const benches = await loadBenches([...groups.keys()]);
  for (const b of benches) {
    const words = groups.get(b.name) ?? [];
    if (words.length > 0 && b.selects === undefined) throw new Error(`no bench named ${words.join(', ')}; the benches are: ${benchNames().join(' ')}`);
  }
  if (values.list) {
    for (const b of benches) console.log(`${b.name.padEnd(18)} ${b.description}`);
    return 0;
  }
  const store = values.json === true || values.readme === true;
  if (store && values.smoke) throw new Error('--smoke results are never stored: drop --json/--readme');
  const set = parseSet(values.set ?? []);
  const results: BenchResult[] = [];
  let failed = 0;
  for (const bench of benches) {
    try {
      const result = await runBench(bench, {
        size: values.smoke ? 'smoke' : 'full',
        set: selection(bench, groups.get(bench.name) ?? [], set),
        provisional: values.provisional,
        log: (line) => process.stderr.write(`  … ${line}\n`),
      });
      console.log(renderText(result));
      results.push(result);
    } catch (e) {
      failed++;
      console.error(`\n${bench.name} FAILED: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (store && results.length > 0) {
    const file = writeResults(results);
    console.log(`\nresults of ${results.map((r) => r.name).join(', ')} written to bench/results/latest.json`);
    if (values.readme) {
      writeFileSync(README_FILE, updateReadme(readFileSync(README_FILE, 'utf8'), file));
      console.log('README.md performance tables regenerated');
    }
  }
  if (failed > 0) console.error(`\n${failed} of ${benches.length} benches failed; the benches are: ${benchNames().join(' ')}`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
