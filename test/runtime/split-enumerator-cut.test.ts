/*
 * Where a split is at a checkpoint's cut, on the main thread, made deterministic by pausing the
 * source: a reader finishes its file and asks for the next, its coordinator assigns it, and the
 * assignment waits at the paused task when checkpoint 1 is taken. The split must then be the
 * reader's (its snapshot counts what it was sent and has not taken yet), the files not handed out
 * the enumerator's (stored by subtask 0) — each in exactly one place. Restored from that cut — at
 * the same parallelism, at a higher one, and from directory splits as snapshots before the
 * enumerator hold them — the job reads each remaining line once.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { FileSourceSplit } from '../../src/connectors/index.js';
import type { Source } from '../../src/graph/index.js';
import { FileSource } from '../../src/index.js';
import { JobExecution, SOURCE_SPLITS_STATE, type TaskAcknowledgement } from '../../src/runtime/index.js';
import { SOURCE_ENUMERATOR_STATE } from '../../src/runtime/sources/source-coordinators.js';
import { type OperatorRestoreState, decodeStateFile } from '../../src/state/index.js';
import { systemClock } from '../../src/util/clock.js';
import { SnapshotRestoreError } from '../../src/util/errors.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { until } from '../helpers/tracked-job.js';
import { fileSourceJob, holdingSource, threeFiles } from '../helpers/holding-file-source.js';

let tmp: { dir: string; cleanup: () => void };
let dir: string;
beforeEach(() => {
  tmp = threeFiles('flink-split-cut-');
  dir = tmp.dir;
});
afterEach(() => tmp.cleanup());

/** A FileSource 'files' (or `source`) into `got` at parallelism `p`; `onLine` sees each line first. */
function job(p: number, got: string[], onLine: (line: string) => void = () => {}, source: Source<string, FileSourceSplit> = FileSource.forTextLines(dir).build()) {
  return fileSourceJob(source, p, (line) => {
    onLine(line);
    got.push(line);
  });
}

/** Runs to the end from `restore`; the lines read. */
async function runFrom(p: number, restore: (uid: string, subtask: number) => OperatorRestoreState | undefined): Promise<string[]> {
  const got: string[] = [];
  await new JobExecution({ jobId: 'cut', jobGraph: job(p, got), clock: systemClock, restore }).run();
  return got;
}

/** Checkpoint 1 taken with file b assigned to the paused reader and not taken yet: the source's state file. */
async function cutWithAssignmentInFlight(): Promise<{ state: OperatorRestoreState; before: string[] }> {
  const storage = new MemoryStorage();
  const acks: TaskAcknowledgement[] = [];
  const got: string[] = [];
  let execution!: JobExecution;
  const files = holdingSource(dir, () => true);
  execution = new JobExecution({
    jobId: 'cut',
    // The sink is chained to the source: at a1 the source stops being stepped, after this poll.
    jobGraph: job(1, got, (line) => line === 'a1' && execution.pauseSources(true), files.source),
    clock: systemClock,
    checkpointing: { storage, responder: { acknowledge: (a) => acks.push(a), decline: (id, _t, reason) => assert.fail(`checkpoint ${id} declined: ${reason}`) } },
  });
  const ended = execution.run();
  await until(() => got.includes('a1'), 'file a read');
  // The reader asked for its next file when it finished a; the answer reaches the paused task.
  await until(() => files.answered() === 2, 'the request after file a answered');
  execution.triggerCheckpoint(1, Date.now(), { isSavepoint: false, aligned: true });
  await until(() => acks.length === 1, 'the acknowledgement');
  const h = acks[0]!.handles.find((x) => x.uid === 'files')!;
  const state = decodeStateFile(storage.read(1, h.file), { file: h.file, uid: h.uid, subtask: h.subtask, keyGroupRange: undefined });
  const before = [...got];
  execution.cancel();
  await ended.catch(() => undefined);
  return { state, before };
}

describe('a FileSource checkpoint taken while an assignment is in flight', () => {
  test("the assigned file is the reader's, the files not handed out the enumerator's: each in one place", async () => {
    const { state, before } = await cutWithAssignmentInFlight();
    assert.deepEqual(before, ['a0', 'a1']);
    assert.deepEqual(state.lists.get(SOURCE_SPLITS_STATE)!.values, [{ dir, name: 'b', offset: 0 }]);
    assert.deepEqual(state.lists.get(SOURCE_ENUMERATOR_STATE), { mode: 'union', values: [{ pending: [{ dir, name: 'c', offset: 0 }], listed: true }] });
  });

  test('restored from that cut, at parallelism 1 and 2, each remaining line is read once', async () => {
    const { state } = await cutWithAssignmentInFlight();
    assert.deepEqual((await runFrom(1, (uid) => (uid === 'files' ? state : undefined))).sort(), ['b0', 'b1', 'c0', 'c1']);
    // At 2 the reader's split goes to subtask 0 (list state dealt out), the enumerator's state to both (union); subtask 1 asks and gets c.
    const empty: OperatorRestoreState = { ...state, lists: new Map([[SOURCE_SPLITS_STATE, { mode: 'split', values: [] }], [SOURCE_ENUMERATOR_STATE, state.lists.get(SOURCE_ENUMERATOR_STATE)!]]) };
    assert.deepEqual((await runFrom(2, (uid, i) => (uid === 'files' ? (i === 0 ? state : empty) : undefined))).sort(), ['b0', 'b1', 'c0', 'c1']);
  });

  test('a snapshot from before the enumerator (directory splits, no enumerator state) restores as then: each subtask its share, each line once', async () => {
    const { state } = await cutWithAssignmentInFlight();
    // What a FileSource at parallelism 2 stored then: per subtask a share of the files by path hash, a1 read.
    const legacy = (shard: number): OperatorRestoreState => ({
      ...state,
      lists: new Map([[SOURCE_SPLITS_STATE, { mode: 'split', values: [{ dir, done: [], current: null, shard, shards: 2 }] }]]),
    });
    const got = await runFrom(2, (uid, i) => (uid === 'files' ? legacy(i) : undefined));
    assert.deepEqual(got.sort(), ['a0', 'a1', 'b0', 'b1', 'c0', 'c1']);
    const done: OperatorRestoreState = { ...state, lists: new Map([[SOURCE_SPLITS_STATE, { mode: 'split', values: [{ dir, done: ['a', 'b'], current: { name: 'c', offset: 3 } }] }]]) };
    assert.deepEqual(await runFrom(1, (uid) => (uid === 'files' ? done : undefined)), ['c1']);
  });

  test('an enumerator entry that is not exactly one element (damaged) is refused in one line naming the source, never restored as a snapshot from before the enumerator', async () => {
    const { state } = await cutWithAssignmentInFlight();
    const one = state.lists.get(SOURCE_ENUMERATOR_STATE)!.values[0];
    for (const values of [[], [one, one]]) {
      const damaged: OperatorRestoreState = { ...state, lists: new Map([[SOURCE_SPLITS_STATE, { mode: 'split', values: [] }], [SOURCE_ENUMERATOR_STATE, { mode: 'union', values }]]) };
      const got: string[] = [];
      await assert.rejects(
        new JobExecution({ jobId: 'cut', jobGraph: job(1, got), clock: systemClock, restore: (uid) => (uid === 'files' ? damaged : undefined) }).run(),
        (e: unknown) => e instanceof SnapshotRestoreError && /^The snapshot's enumerator state of "Source: files" \(uid 'files'\) holds \d elements/.test(e.message) && !e.message.includes('\n'),
      );
      assert.deepEqual(got, [], `${values.length} elements: nothing read`);
    }
  });
});
