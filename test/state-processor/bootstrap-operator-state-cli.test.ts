/**
 * Operator and broadcast state bootstrapped with SavepointWriter, through the real CLI: a
 * savepoint written by `flink run write-operator-state.ts` (list and union list state at
 * parallelism 2; then broadcast state added to it with fromExistingSavepoint, written by one
 * subtask), and a job started from it with `flink run -s` at parallelism 3 whose
 * CheckpointedFunction and BroadcastProcessFunction print what they restored. A broadcast
 * bootstrap that cannot be written fails in one line, leaving no savepoint.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, freshHome, linesOf, nonWarningLines, runFlink, stackLines, tempDir, withoutSubtask } from '../e2e/helpers.js';

cleanUpAfterAll();

const WRITER = join(FIXTURES, 'write-operator-state.ts');
const READER = join(FIXTURES, 'read-operator-state.ts');

type Metadata = { metadata: { operators: Array<{ uid: string; parallelism: number; subtasks: unknown[] }> } };

describe('bootstrapped operator and broadcast state, restored by `flink run -s`', () => {
  test('list state dealt out, union state whole and broadcast rules on every subtask of a job at another parallelism', async () => {
    const home = freshHome();
    const root = tempDir();
    const numbers = join(root, 'numbers');
    const write = await runFlink(['run', '-p', '2', WRITER, numbers, 'numbers'], { home, timeoutMs: 30_000 });
    assert.equal(write.code, 0, `${write.stdout}\n${write.stderr}`);
    const both = join(root, 'both');
    const add = await runFlink(['run', '-p', '2', WRITER, both, 'rules', numbers], { home, timeoutMs: 30_000 });
    assert.equal(add.code, 0, `${add.stdout}\n${add.stderr}`);
    const meta = JSON.parse(readFileSync(join(both, '_metadata'), 'utf8')) as Metadata;
    assert.deepEqual(meta.metadata.operators.map((o) => [o.uid, o.parallelism, o.subtasks.length]).sort(), [['numbers', 2, 2], ['rules', 1, 1]]);

    const r = await runFlink(['run', '-p', '3', '-s', both, READER], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const printed = linesOf(r.stdout).map(withoutSubtask);
    const all = JSON.stringify(Array.from({ length: 12 }, (_, n) => n));
    const reports = printed.filter((l) => l.startsWith('numbers ')).sort();
    assert.equal(reports.length, 3, printed.join('\n'));
    const offsets: number[] = [];
    for (const [i, line] of reports.entries()) {
      const m = /^numbers (\d) seen=(\S+) offsets=(\S+)$/.exec(line)!;
      assert.equal(m[1], String(i));
      assert.equal(m[2], all, `subtask ${i} restored the whole union state`);
      const share = JSON.parse(m[3]!) as number[];
      assert.equal(share.length, 4, `subtask ${i}: 12 offsets split over 3 subtasks`);
      offsets.push(...share);
    }
    assert.deepEqual(offsets.sort((a, b) => a - b), Array.from({ length: 12 }, (_, n) => 10 * n), 'every offset restored once');
    const rules = JSON.stringify([['large', 1000], ['medium', 100], ['small', 10], ['tiny', 1]]);
    assert.deepEqual(printed.filter((l) => l.startsWith('rules ')).sort(), [0, 1, 2].map((i) => `rules ${i} ${rules}`));
  });

  test('a broadcast bootstrap whose descriptor has a serializer fails in one line, without a stack, and writes no savepoint', async () => {
    const home = freshHome();
    const sp = join(tempDir(), 'sp');
    const r = await runFlink(['run', WRITER, sp, 'bad-rules'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(stackLines(r.stderr), []);
    const errors = nonWarningLines(r.stderr);
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, /Operator "Bootstrap 'rules'".* failed: Operator state 'rules' has the \S+ serializer set, but serializers \(setSerializer\) apply to keyed state only/);
    assert.equal(existsSync(join(sp, '_metadata')), false);
  });
});
