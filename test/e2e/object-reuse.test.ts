/**
 * `pipeline.object-reuse` through `flink run`, on one thread and on worker threads: with it off
 * (the default) a flatMap reusing its output object feeds keyBy → sum the running sums Flink
 * prints, and a fan-out's outputs do not see each other's changes; with it on, the fan-out's
 * outputs share the record (as in Flink).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, freshHome, linesOf, runFlink } from './helpers.js';

cleanUpAfterAll();

const SUM = join(FIXTURES, 'reusing-flatmap-sum.ts');
const FAN_OUT = join(FIXTURES, 'fan-out-mutation.ts');
const slots = (n: number) => ['-p', '2', '-D', `taskmanager.numberOfTaskSlots=${n}`];
const REUSE = ['-D', 'pipeline.object-reuse=true'];

async function printed(args: readonly string[]): Promise<string[]> {
  const r = await runFlink(['run', ...args], { home: freshHome(), timeoutMs: 30_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return linesOf(r.stdout).filter((l) => l.includes('{'));
}

/** Each key's sums in the order printed: 1 to 10 for each of the keys 0, 1, 2, as Flink prints. */
function sumsByKey(lines: readonly string[]): Record<number, number[]> {
  const byKey: Record<number, number[]> = {};
  for (const line of lines) {
    const p = JSON.parse(line.replace(/^\d+> /, '')) as { key: number; n: number };
    (byKey[p.key] ??= []).push(p.n);
  }
  return byKey;
}
const RUNNING_SUMS = { 0: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] };

describe('object reuse through flink run', () => {
  for (const [label, args] of [
    ['one thread', slots(1)],
    ['worker threads', slots(2)],
  ] as const) {
    test(`a flatMap reusing its output object, keyBy, sum: running sums per key (${label})`, { timeout: 40_000 }, async () => {
      assert.deepEqual(sumsByKey(await printed([...args, SUM])), RUNNING_SUMS);
    });
  }

  test("a fan-out's outputs each get their own copy by default (on worker threads), and share it with object reuse on", { timeout: 40_000 }, async () => {
    const own = await printed([...slots(2), FAN_OUT]);
    assert.equal(own.filter((l) => /^B:\d> \{"v":\d\}$/.test(l)).length, 4, own.join('\n'));
    assert.equal(own.filter((l) => /^A:\d> \{"v":\d,"tag":"a"\}$/.test(l)).length, 4, own.join('\n'));
    const shared = await printed([...REUSE, FAN_OUT]);
    assert.deepEqual(shared.filter((l) => l.startsWith('B>')), ['B> {"v":1,"tag":"a"}', 'B> {"v":2,"tag":"a"}', 'B> {"v":3,"tag":"a"}', 'B> {"v":4,"tag":"a"}']);
  });
});
