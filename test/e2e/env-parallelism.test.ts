/**
 * `env.getParallelism()` in a job file answers the parallelism its operators get, as Flink's
 * does: `-p` or `parallelism.default` unless the code set one — in every worker thread too, where
 * the job file runs again and must build the same graph from the same answer.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { linesOf, removeTempDirs, runFlink, tempDir } from './helpers.js';

after(removeTempDirs);

const JOB = `import { StreamExecutionEnvironment } from 'flink-ts';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
const p = env.getParallelism();
if (p < 1) throw new Error('getParallelism() gave ' + p);
// A graph whose shape depends on the answer: one chain break per unit of parallelism.
let numbers = env.fromSequence(1, 20);
for (let i = 0; i < p; i++) numbers = numbers.rebalance().map((n) => n);
const seen = [];
for await (const n of await numbers.executeAndCollect()) seen.push(n);
console.log('parallelism ' + p + ', ' + seen.length + ' numbers');
`;

function jobFile(): string {
  const file = join(tempDir(), 'job.ts');
  writeFileSync(file, JOB);
  return file;
}

test('-p, on worker threads too', async () => {
  const r = await runFlink(['run', '-p', '2', '-D', 'taskmanager.numberOfTaskSlots=2', jobFile()], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(linesOf(r.stdout).includes('parallelism 2, 20 numbers'), r.stdout);
});

test('parallelism.default, and 1 by default', async () => {
  const configured = await runFlink(['run', '-D', 'parallelism.default=3', '-D', 'taskmanager.numberOfTaskSlots=1', jobFile()], { timeoutMs: 30_000 });
  assert.equal(configured.code, 0, configured.stderr);
  assert.ok(linesOf(configured.stdout).includes('parallelism 3, 20 numbers'), configured.stdout);
  const plain = await runFlink(['run', jobFile()], { timeoutMs: 30_000 });
  assert.ok(linesOf(plain.stdout).includes('parallelism 1, 20 numbers'), plain.stdout);
});
