/**
 * FileSink's part-file lifecycle through the writer API (found by review; no timing): union-state
 * restores at another parallelism, names, and what a restore leaves on disk. Flink: FileSink
 * "Part file lifecycle" — in-progress → pending at a checkpoint → finished when it completes;
 * on restore, the pending files of the restored checkpoint are committed; finished files never
 * hold records past the last completed checkpoint.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { FileSink, type SinkWriter, type SinkWriterContext } from '../../src/index.js';
import { tempDir } from '../helpers/run-job.js';

let tmp: { path: string; cleanup: () => void };
let out: string;
beforeEach(() => {
  tmp = tempDir('flink-file-sink-review-');
  out = join(tmp.path, 'out');
});
afterEach(() => tmp.cleanup());

const JOB_A = 'aaaaaaaaaaaa00000000000000000001';
const JOB_B = 'bbbbbbbbbbbb00000000000000000002';

function writer(opts: { jobId: string; subtask: number; parallelism: number; suffix?: string; buckets?: (s: string) => string }): SinkWriter<string> {
  const context: SinkWriterContext = { subtaskIndex: opts.subtask, parallelism: opts.parallelism, jobId: opts.jobId, operatorUid: 'sink', checkpointing: true, attemptNumber: 0 };
  let b = FileSink.forRowFormat<string>(out);
  if (opts.suffix) b = b.withOutputFileConfig({ partSuffix: opts.suffix });
  if (opts.buckets) b = b.withBucketAssigner(opts.buckets);
  return b.build().createWriter(context);
}

function all(): string[] {
  return readdirSync(out, { recursive: true }).map(String).sort();
}
const hidden = () => all().filter((p) => p.split('/').some((s) => s.startsWith('.')));
const committed = () =>
  all()
    .filter((p) => !p.split('/').some((s) => s.startsWith('.')))
    .filter((p) => !p.endsWith('/') && /part-/.test(p))
    .flatMap((p) => readFileSync(join(out, p), 'utf8').split('\n').filter(Boolean))
    .sort();

describe('FileSink review', () => {
  test('kill after the barrier of n (n completed, not yet told): a restore at parallelism 1 of 3 subtasks’ union state commits every pending part, in every bucket, once', () => {
    const buckets = (s: string) => `b=${s[0]}`;
    const ws = [0, 1, 2].map((i) => writer({ jobId: JOB_A, subtask: i, parallelism: 3, suffix: '.txt', buckets }));
    ws.forEach((w, i) => {
      w.write(`x${i}`);
      w.write(`y${i}`);
    });
    const states = ws.map((w) => w.snapshotState!(7));
    // Written after n: must vanish on restore (replayed).
    ws.forEach((w, i) => w.write(`z-after-${i}`));
    // kill -9: no close, no notify.
    const union = states.flat();
    const r = writer({ jobId: JOB_B, subtask: 0, parallelism: 1, suffix: '.txt', buckets });
    r.restoreState!(union);
    r.open?.();
    assert.deepEqual(committed(), ['x0', 'x1', 'x2', 'y0', 'y1', 'y2']);
    assert.deepEqual(hidden(), [], `left: ${hidden().join(', ')}`);
    for (const p of all().filter((p) => /part-/.test(p))) assert.match(p, /^b=[xy]\/part-[0-9a-z]{28}-[0-2]-[0-9]+\.txt$/);
    r.close();
  });

  test('restore twice from the same checkpoint at 2 then 1 (union state seen by every subtask) commits nothing twice', () => {
    const w = writer({ jobId: JOB_A, subtask: 0, parallelism: 1 });
    w.write('one');
    const state = w.snapshotState!(1);
    const r1 = [0, 1].map((i) => writer({ jobId: JOB_B, subtask: i, parallelism: 2 }));
    for (const r of r1) r.restoreState!(state);
    r1[1]!.write('two');
    r1[1]!.close(); // fails before its next checkpoint: its part is discarded
    r1[0]!.close();
    const r2 = writer({ jobId: 'cccccccccccc00000000000000000003', subtask: 0, parallelism: 1 });
    r2.restoreState!(state);
    assert.deepEqual(committed(), ['one']);
    r2.close();
  });
});
