/**
 * Every consumer subtask of a broadcast edge gets its own copy of each element, as in Flink: a
 * map and a BroadcastProcessFunction at -p 2 that each push their subtask index onto the element
 * (the latter after putting it in broadcast state) print it, and each subtask sees its own index
 * alone — on one thread, where the subtasks used to share one object, as on two worker threads.
 * A record the cross-thread codec cannot encode fails the job with one line across threads; on
 * one thread the copies share what cannot change (a Symbol), and the job runs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, freshHome, linesOf, runFlink } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'broadcast-mutation.ts');
const slots = (n: number) => ['-p', '2', '-D', `taskmanager.numberOfTaskSlots=${n}`];

const EXPECTED = [
  '1> map 0 {"name":"a","seenBy":[0]}',
  '1> map 0 {"name":"b","seenBy":[0]}',
  '1> state 0 [["a",{"name":"a","seenBy":[0]}],["b",{"name":"b","seenBy":[0]}]]',
  '1> state 0 [["a",{"name":"a","seenBy":[0]}]]',
  '2> map 1 {"name":"a","seenBy":[1]}',
  '2> map 1 {"name":"b","seenBy":[1]}',
  '2> state 1 [["a",{"name":"a","seenBy":[1]}],["b",{"name":"b","seenBy":[1]}]]',
  '2> state 1 [["a",{"name":"a","seenBy":[1]}]]',
];

describe('broadcast edges copy each element for each consumer subtask', () => {
  for (const n of [1, 2]) {
    test(`a subtask's change to a broadcast element is its own (taskmanager.numberOfTaskSlots=${n})`, { timeout: 40_000 }, async () => {
      const r = await runFlink(['run', ...slots(n), JOB], { home: freshHome(), timeoutMs: 30_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.deepEqual(linesOf(r.stdout).filter((l) => /^\d> /.test(l)).sort(), EXPECTED);
    });
  }

  test('a Symbol in a broadcast element fails the job across threads with one line; on one thread the copies share it', { timeout: 40_000 }, async () => {
    const r = await runFlink(['run', ...slots(2), JOB, 'symbol'], { home: freshHome(), timeoutMs: 30_000 });
    assert.equal(r.code, 1);
    const errors = linesOf(r.stderr).filter((l) => l.trim() !== '');
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, /Operator "Source: Collection Source" failed: A record cannot be copied to its consumer subtask in another worker thread: Unknown type: symbol\. Records must be plain data/);
    const local = await runFlink(['run', ...slots(1), JOB, 'symbol'], { home: freshHome(), timeoutMs: 30_000 });
    assert.equal(local.code, 0, local.stderr);
    assert.deepEqual(linesOf(local.stdout).filter((l) => /^\d> /.test(l)).sort(), EXPECTED);
  });
});
