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
