/**
 * A FileSink restore drops the hidden files of the jobs its context names abandoned
 * (`jobsAbandoned`): `flink run -s B` of a job B that was restored from A's checkpoint and
 * killed before a checkpoint of its own restores A's checkpoint, which names none of B's files
 * — nothing ever commits them. They used to stay behind for good (found by a kill -9 field
 * trial). Other jobs' files stay: a dead job with a checkpoint of its own (a later -s of it
 * commits them), and one that may still write.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DefaultRollingPolicy, FileSink, MemorySize, type SinkWriter, type SinkWriterContext } from '../../src/index.js';
import { decideRestoreScope } from '../../src/connectors/file-sink-live-writers.js';
import { tempDir } from '../helpers/run-job.js';
import { closeWriters } from '../helpers/sink-writers.js';

const JOB_A = 'aaaaaaaaaaaa00000000000000000001';
const JOB_B = 'bbbbbbbbbbbb00000000000000000002';
const JOB_C = 'cccccccccccc00000000000000000003';
const JOB_X = 'dddddddddddd00000000000000000004';
const JOB_W = 'eeeeeeeeeeee00000000000000000005';

let tmp: { path: string; cleanup: () => void };
let dir: string;
const writers: SinkWriter<unknown>[] = [];
beforeEach(() => {
  tmp = tempDir('flink-file-sink-abandoned-');
  dir = join(tmp.path, 'out');
});
afterEach(() => {
  closeWriters(writers);
  tmp.cleanup();
});

/** A writer of `jobId` whose parts stay open across checkpoints (1 MiB parts). */
function writer(jobId: string, extra: Partial<SinkWriterContext> = {}): SinkWriter<string> {
  const sink = FileSink.forRowFormat<string>(dir)
    .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(MemorySize.ofMebiBytes(1)).build())
    .build();
  const w = sink.createWriter({ subtaskIndex: 0, parallelism: 1, jobId, operatorUid: 'sink', checkpointing: true, attemptNumber: 0, ...extra });
  writers.push(w as SinkWriter<unknown>);
  return w;
}

const hiddenOf = (jobId: string) => readdirSync(dir).filter((f) => f.startsWith(`.part-${jobId.slice(0, 12)}`)).sort();
const visibleLines = () =>
  readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .sort();

describe('FileSink restore with jobs named abandoned', () => {
  test("drops an abandoned job's in-progress and pending files; a dead job's with a checkpoint of its own and a still-writing job's stay", () => {
    // A's checkpoint 8 records one open part.
    const a = writer(JOB_A);
    a.write('a1');
    const eight = a.snapshotState!(8);
    // B restores it, then stages for its checkpoint 9 (a part left open, and one pre-committed) and is killed.
    const b = writer(JOB_B);
    b.restoreState!(eight);
    b.write('b open');
    b.snapshotState!(9);
    const bRolled = writer(JOB_B, { attemptNumber: 1 });
    bRolled.write('b pending');
    bRolled.endOfInput!();
    bRolled.snapshotState!(9);
    // A dead job that has a completed checkpoint, and one that may still write.
    const x = writer(JOB_X);
    x.write('x');
    x.snapshotState!(3);
    const w = writer(JOB_W);
    w.write('w');
    w.snapshotState!(5);
    const bHidden = hiddenOf(JOB_B);
    assert.ok(bHidden.some((f) => f.endsWith('.inprogress')) && bHidden.some((f) => f.endsWith('.pending')), JSON.stringify(bHidden));
    const kept = [...hiddenOf(JOB_X), ...hiddenOf(JOB_W)];
    assert.equal(kept.length, 2);
    // C = `flink run -s B`: B has no checkpoint of its own, so A's checkpoint 8 is restored.
    writer(JOB_C, { jobsAbandoned: [JOB_B, JOB_W], jobsStillWriting: [JOB_W] }).restoreState!(eight);
    assert.deepEqual(hiddenOf(JOB_B), [], "B's hidden files are gone: nothing can ever commit them");
    assert.deepEqual([...hiddenOf(JOB_X), ...hiddenOf(JOB_W)], kept, "other jobs' hidden files stay");
    assert.deepEqual(visibleLines(), ['a1'], "checkpoint 8's part is committed, nothing else");
  });

  test('the scope: abandoned jobs join the leftovers, except one that may still write', () => {
    assert.deepEqual(decideRestoreScope({ own: 'c', writers: ['a'], stillWriting: new Set(), abandoned: ['b'] }), { leftoversOf: new Set(['c', 'a', 'b']), live: [] });
    assert.deepEqual(decideRestoreScope({ own: 'c', writers: ['a'], stillWriting: new Set(['w']), abandoned: ['w'] }), { leftoversOf: new Set(['c', 'a']), live: [] });
  });
});
