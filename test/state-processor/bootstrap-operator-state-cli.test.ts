/**
 * Operator and broadcast state bootstrapped with SavepointWriter, through the real CLI: a
 * savepoint written by `flink run write-operator-state.ts` (list and union list state at
 * parallelism 2; then broadcast state added to it with fromExistingSavepoint, written by one
 * subtask), and a job started from it with `flink run -s` at parallelism 3 whose
 * CheckpointedFunction and BroadcastProcessFunction print what they restored. Broadcast state
 * written with an Avro value serializer is migrated by a job with a newer schema, and refused in
 * one line by one with an incompatible schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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

  test('broadcast state bootstrapped with an Avro value serializer: a job with a newer schema reads it migrated on every subtask; an incompatible one fails in one line', async () => {
    const home = freshHome();
    const sp = join(tempDir(), 'sp');
    const write = await runFlink(['run', WRITER, sp, 'avro-rules'], { home, timeoutMs: 30_000 });
    assert.equal(write.code, 0, `${write.stdout}\n${write.stderr}`);
    const info = await runFlink(['info', sp], { home, timeoutMs: 30_000 });
    assert.match(info.stdout, /^ {2}broadcast state 'rules' \(avro serializer\): 4 entries \(a copy on every subtask\)$/m, info.stdout);
    const r = await runFlink(['run', '-p', '2', '-s', sp, READER, 'avro'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const rules = JSON.stringify([['large', 1000], ['medium', 100], ['small', 10], ['tiny', 1]].map(([name, threshold]) => [name, { threshold, unit: 'none' }]));
    assert.deepEqual(linesOf(r.stdout).map(withoutSubtask).filter((l) => l.startsWith('rules ')).sort(), [0, 1].map((i) => `rules ${i} ${rules}`));

    const bad = await runFlink(['run', '-s', sp, READER, 'avro-bad'], { home, timeoutMs: 30_000 });
    assert.equal(bad.code, 1, `${bad.stdout}\n${bad.stderr}`);
    assert.deepEqual(stackLines(bad.stderr), []);
    const errors = nonWarningLines(bad.stderr);
    assert.equal(errors.length, 1, bad.stderr);
    assert.match(errors[0]!, /State 'rules' cannot be restored: its serializer is incompatible: its Avro schema cannot read the values written with the old one: field 'threshold' was int and is now string/);
});
});
