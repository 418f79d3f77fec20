/**
 * `npm run bench:readme`: rewrites the README's performance tables (between the
 * `bench:results` markers) from bench/results/latest.json, so every figure there is one a bench
 * printed. `--check` changes nothing and fails if the README is not what the file gives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReadmeBlock, replaceReadmeBlock } from './harness/readme-block.js';
import { type ResultsFile, readResults } from './harness/results-file.js';

export const README_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

export function updateReadme(readme: string, results: ResultsFile): string {
  return replaceReadmeBlock(readme, renderReadmeBlock(results));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const before = readFileSync(README_FILE, 'utf8');
  const after = updateReadme(before, readResults());
  if (process.argv.includes('--check')) {
    if (after !== before) {
      console.error('README.md performance tables differ from bench/results/latest.json: run `npm run bench:readme`');
      process.exit(1);
    }
  } else {
    writeFileSync(README_FILE, after);
    console.log(after === before ? 'README.md performance tables already match bench/results/latest.json' : 'README.md performance tables regenerated from bench/results/latest.json');
  }
}
