/*
 * Assignments that reach a reader after its input ended, on the main thread, made deterministic
 * by an enumerator that holds a request until the test lets it answer: after a `stop --drain`
 * ended the input (the reader keeps the file for the drain's savepoint), and after the reader
 * finished normally (the job fails: the file would be lost, as Flink refuses an assignment to a
 * reader that is not registered).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, test } from 'node:test';
import type { FileSourceSplit } from '../../src/connectors/index.js';
import type { Source } from '../../src/graph/index.js';
import { JobExecution, SOURCE_SPLITS_STATE, type TaskAcknowledgement } from '../../src/runtime/index.js';
import { SOURCE_ENUMERATOR_STATE } from '../../src/runtime/sources/source-coordinators.js';
import { decodeStateFile } from '../../src/state/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { until } from '../helpers/tracked-job.js';
import { fileSourceJob, holdingSource, threeFiles } from '../helpers/holding-file-source.js';

let tmp: { dir: string; cleanup: () => void };
let dir: string;
beforeEach(() => {
  tmp = threeFiles('flink-split-late-');
  dir = tmp.dir;
});
afterEach(() => tmp.cleanup());

function job(source: Source<string, FileSourceSplit>, p: number, got: string[]) {
  return fileSourceJob(source, p, (line) => void got.push(line));
}

test("a request answered after a drain ended the input: the file is the drained reader's in the savepoint, the rest the enumerator's", async () => {
  // The first request (a) is answered, the second (after a) held.
  const { source, held } = holdingSource(dir, (_s, nth) => nth === 0);
  const storage = new MemoryStorage();
  const acks: TaskAcknowledgement[] = [];
  const got: string[] = [];
  const execution = new JobExecution({
    jobId: 'late',
    jobGraph: job(source, 1, got),
    clock: systemClock,
    checkpointing: { storage, responder: { acknowledge: (a) => acks.push(a), decline: (id, _t, reason) => assert.fail(`checkpoint ${id} declined: ${reason}`) } },
  });
  const ended = execution.run();
  await until(() => held.length === 1, 'the request after file a');
  await execution.drain(async () => {
    // Every task has finished (drained): the answer lands now, before the savepoint's trigger.
    held.shift()!();
    execution.triggerCheckpoint(1, Date.now(), { isSavepoint: true, aligned: true });
    await until(() => acks.length === 1, 'the acknowledgement');
  });
  await ended;
  assert.deepEqual(got, ['a0', 'a1']);
  const h = acks[0]!.handles.find((x) => x.uid === 'files')!;
  const state = decodeStateFile(storage.read(1, h.file), { file: h.file, uid: h.uid, subtask: h.subtask, keyGroupRange: undefined });
  assert.deepEqual(state.lists.get(SOURCE_SPLITS_STATE)!.values, [{ dir, name: 'b', offset: 0 }]);
  assert.deepEqual(state.lists.get(SOURCE_ENUMERATOR_STATE)!.values, [{ pending: [{ dir, name: 'c', offset: 0 }], listed: true }]);
});

test('an assignment to a reader that has finished fails the job in one line naming the source and the subtask', async () => {
  // Subtask 1's requests are held (it never finishes, so the job runs on); subtask 0 reads every file and ends.
  const { source, ended, ctx } = holdingSource(dir, (subtask) => subtask === 0);
  const got: string[] = [];
  const execution = new JobExecution({ jobId: 'late', jobGraph: job(source, 2, got), clock: systemClock });
  const run = execution.run();
  await until(() => ended.has(0), 'reader 0 at its end');
  assert.deepEqual(got.sort(), ['a0', 'a1', 'b0', 'b1', 'c0', 'c1']);
  // As an enumerator that assigns without a request (the README's partition example) would.
  ctx().assignSplit({ dir, name: 'a', offset: 0 }, 0);
  // Dropped instead, the job would run on (subtask 1 waits): give it a few seconds, then stop it.
  const outcome = await Promise.race([run.then(() => 'ended', (e: unknown) => e), sleep(5_000, undefined, { ref: false }).then(() => 'still running')]);
  execution.cancel();
  await run.catch(() => undefined);
  assert.ok(outcome instanceof Error && /"Source: files" failed: its split enumerator assigned 1 split\(s\) to subtask 0, whose reader has finished/.test(outcome.message) && !outcome.message.includes('\n'), String(outcome));
});
