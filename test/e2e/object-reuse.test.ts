/**
 * `pipeline.object-reuse` through `flink run`, on one thread and on worker threads: with it off
 * (the default) a flatMap reusing its output object feeds keyBy → sum the running sums Flink
 * prints, and a fan-out's outputs do not see each other's changes; with it on, the fan-out's
 * outputs share the record (as in Flink); a job that keeps the reuse contract (keyed state holding
 * the records it was given, a fan-out to two sinks and a window) prints the same lines with object
 * reuse on, on one thread and on worker threads, and the right ones.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, freshHome, linesOf, runFlink } from './helpers.js';

cleanUpAfterAll();

const SUM = join(FIXTURES, 'reusing-flatmap-sum.ts');
const FAN_OUT = join(FIXTURES, 'fan-out-mutation.ts');
const CONTRACT = join(FIXTURES, 'reuse-contract.ts');
const slots = (n: number) => ['-p', '2', '-D', `taskmanager.numberOfTaskSlots=${n}`];
const REUSE = ['-D', 'pipeline.object-reuse=true'];

async function printed(args: readonly string[]): Promise<string[]> {
  const r = await runFlink(['run', ...args], { home: freshHome(), timeoutMs: 30_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return linesOf(r.stdout).filter((l) => l.includes('{'));
}

/** Every line the job printed to a sink with a prefix ('A:1> …'). */
async function printedAll(args: readonly string[]): Promise<string[]> {
  const r = await runFlink(['run', ...args], { home: freshHome(), timeoutMs: 30_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return linesOf(r.stdout).filter((l) => /^\w(:\d)?> /.test(l));
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

/**
 * What reuse-contract.ts must print for events 0..n-1 (its comment says how), without the
 * subtask in each line's prefix, sorted.
 */
function contractLines(n: number): string[] {
  const lines: string[] = [];
  const last = new Map<number, number>();
  const windows = new Map<string, [number, number]>();
  for (let i = 0; i < n; i++) {
    const key = i % 7;
    const prev = last.get(key);
    const count = Math.floor(i / 7) + 1;
    lines.push(`A> ${key},${count},${i},${prev ?? '-'},t${i % 3}+k${key}`);
    if (count % 50 === 0) lines.push(`B> ${key},${count},${prev === undefined ? 0 : (i - prev) * 10}`);
    const w = `${key},${1_000_000 + Math.floor(i / 100) * 1000}`;
    const acc = windows.get(w) ?? [0, 0];
    windows.set(w, [acc[0] + 1, acc[1] + i - (prev ?? 0)]);
    last.set(key, i);
  }
  for (const [w, [c, s]] of windows) lines.push(`W> ${w},${c},${s}`);
  return lines.sort();
}

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

  test('a job keeping the reuse contract prints the same, right lines with object reuse on, on one thread and on worker threads', { timeout: 40_000 }, async () => {
    const [oneThread, workers] = await Promise.all([printedAll([...slots(1), ...REUSE, CONTRACT, '2000']), printedAll([...slots(2), ...REUSE, CONTRACT, '2000'])]);
    assert.deepEqual(workers.sort(), oneThread.sort());
    assert.deepEqual(workers.map((l) => l.replace(/^(\w):\d> /, '$1> ')).sort(), contractLines(2000));
  });
});
