import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readResults } from '../../bench/harness/results-file.js';
import { README_FILE, updateReadme } from '../../bench/readme.js';

test('the README performance tables are exactly what bench/results/latest.json gives (`npm run bench:readme`)', () => {
  const readme = readFileSync(README_FILE, 'utf8');
  assert.equal(updateReadme(readme, readResults()), readme);
});

test('every bench has a result in bench/results/latest.json', async () => {
  const { benchNames } = await import('../../bench/harness/index.js');
  assert.deepEqual(Object.keys(readResults().results).sort(), benchNames());
});

test('the README says each thing once: every heading and the performance tables appear one time', () => {
  // A rewrite of one chapter by script once repeated half the file; the table check above reads
  // the first block only and passed.
  const readme = readFileSync(README_FILE, 'utf8');
  const headings: string[] = [];
  let inCode = false;
  for (const line of readme.split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    else if (!inCode && /^#{1,6} /.test(line)) headings.push(line);
  }
  const repeated = headings.filter((h, i) => headings.indexOf(h) !== i);
  assert.deepEqual(repeated, [], 'headings that appear more than once');
  assert.ok(headings.length > 20, `the README's headings were found (${headings.length})`);
  assert.equal(readme.split('<!-- bench:results:begin -->').length - 1, 1, 'one block of performance tables');
});
