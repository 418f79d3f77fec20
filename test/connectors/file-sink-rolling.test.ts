/**
 * FileSink rolling policies: a CheckpointRollingPolicy rolls at every checkpoint and, between
 * checkpoints, when it says so — on a record (SizeAndTimeRollingPolicy's part size, compared as
 * Flink's DefaultRollingPolicy compares it) or on the time after a batch. A part rolled between
 * checkpoints is pending, hidden, until the next checkpoint completes; a restore from an earlier
 * checkpoint deletes it (its records are replayed).
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  CheckpointRollingPolicy,
  FileSink,
  OnCheckpointRollingPolicy,
  type PartFileInfo,
  type SinkWriter,
  type SinkWriterContext,
  SizeAndTimeRollingPolicy,
} from '../../src/index.js';
import { runJob, tempDir } from '../helpers/run-job.js';

let dir: { path: string; cleanup: () => void };
let out: string;
beforeEach(() => {
  dir = tempDir('flink-file-sink-rolling-');
  out = join(dir.path, 'out');
});
afterEach(() => dir.cleanup());

const JOB = '7c0ffee0000000000000000000000002';

function writer(policy: CheckpointRollingPolicy<string>, attemptNumber = 0): SinkWriter<string> {
  const context: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobId: JOB, operatorUid: 'sink', checkpointing: true, attemptNumber };
  return FileSink.forRowFormat<string>(out).withRollingPolicy(policy).build().createWriter(context);
}

const names = () => readdirSync(out).sort();
const visible = () => names().filter((f) => !f.startsWith('.'));
const hidden = () => names().filter((f) => f.startsWith('.'));
/** Each visible part's lines, parts in the order of their counter. */
const partsLines = () =>
  visible()
    .sort((a, b) => Number(a.split('-').at(-1)) - Number(b.split('-').at(-1)))
    .map((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean));

describe('FileSink rolling policies', () => {
  test('a part past maxPartSize rolls before the next record; rolled parts wait for the checkpoint', () => {
    // 'aaaa\n' is 5 bytes: after 3 records a part has 15 > 10 bytes, so the 4th opens a new one.
    const w = writer(SizeAndTimeRollingPolicy.of({ maxPartSize: 10 }));
    for (let i = 0; i < 7; i++) w.write(`aaa${i}`);
    assert.deepEqual(visible(), []);
    assert.equal(hidden().filter((f) => f.endsWith('.pending')).length, 2, 'two parts rolled, pending');
    assert.equal(hidden().filter((f) => f.endsWith('.inprogress')).length, 1);
    w.snapshotState!(1);
    assert.deepEqual(visible(), [], 'nothing visible before the checkpoint completes');
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(partsLines(), [['aaa0', 'aaa1', 'aaa2'], ['aaa3', 'aaa4', 'aaa5'], ['aaa6']]);
    assert.deepEqual(hidden(), []);
    w.close();
  });

  test('a part exactly at maxPartSize does not roll (Flink compares size > max)', () => {
    const w = writer(SizeAndTimeRollingPolicy.of({ maxPartSize: 10 }));
    w.write('aaaa');
    w.write('bbbb');
    w.write('cccc');
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(partsLines(), [['aaaa', 'bbbb', 'cccc']]);
    w.close();
  });

  test('on time: a part the policy finds due after a batch rolls; the default never rolls between checkpoints', () => {
    const asked: PartFileInfo[] = [];
    class EveryBatch extends CheckpointRollingPolicy<string> {
      shouldRollOnEvent(): boolean {
        return false;
      }
      shouldRollOnProcessingTime(part: PartFileInfo): boolean {
        asked.push({ ...part });
        return true;
      }
    }
    const w = writer(new EveryBatch());
    w.write('a');
    w.write('bb');
    w.pendingWork!();
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.size, 5, 'bytes written, newlines included');
    assert.ok(asked[0]!.lastUpdateTime >= asked[0]!.creationTime);
    w.write('c');
    w.pendingWork!();
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    assert.deepEqual(partsLines(), [['a', 'bb'], ['c']]);
    w.close();

    dir.cleanup();
    dir = tempDir('flink-file-sink-rolling-');
    out = join(dir.path, 'out');
    const d = writer(OnCheckpointRollingPolicy.build());
    d.write('a');
    d.pendingWork?.();
    d.write('b');
    d.snapshotState!(1);
    d.notifyCheckpointComplete!(1);
    assert.deepEqual(partsLines(), [['a', 'b']]);
    d.close();
  });

  test('SizeAndTimeRollingPolicy: rollover and inactivity as DefaultRollingPolicy compares them', () => {
    const p = SizeAndTimeRollingPolicy.of<string>({ rolloverInterval: 1000, inactivityInterval: 300 });
    const part = (creationTime: number, lastUpdateTime: number): PartFileInfo => ({ bucketId: '', size: 1, creationTime, lastUpdateTime });
    assert.equal(p.shouldRollOnProcessingTime(part(0, 900), 999), false);
    assert.equal(p.shouldRollOnProcessingTime(part(0, 900), 1000), true, 'open for the rollover interval');
    assert.equal(p.shouldRollOnProcessingTime(part(500, 600), 899), false);
    assert.equal(p.shouldRollOnProcessingTime(part(500, 600), 900), true, 'idle for the inactivity interval');
    assert.equal(p.shouldRollOnEvent(part(0, 0), 'x'), false, 'no size limit given');
    assert.throws(() => SizeAndTimeRollingPolicy.of({ maxPartSize: 0 }), /maxPartSize must be a positive number, got 0/);
    assert.throws(() => SizeAndTimeRollingPolicy.of({ rolloverInterval: Number.NaN }), /rolloverInterval must be a positive number/);
    assert.throws(() => FileSink.forRowFormat<string>(out).withRollingPolicy({} as CheckpointRollingPolicy<string>), /takes a CheckpointRollingPolicy/);
  });

  test('a restore from checkpoint n deletes the parts rolled after n: their records are replayed, none twice', () => {
    const policy = SizeAndTimeRollingPolicy.of<string>({ maxPartSize: 1 });
    const w = writer(policy);
    w.write('a');
    w.write('b');
    const state = w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    // After checkpoint 1: parts roll and wait for checkpoint 2, which never comes (a crash).
    w.write('c');
    w.write('d');
    w.write('e');
    assert.ok(hidden().some((f) => f.endsWith('.pending')), 'parts rolled after the checkpoint');

    const again = writer(policy, 1);
    again.restoreState!(state);
    assert.deepEqual(hidden(), [], 'what was written after checkpoint 1 is gone');
    assert.deepEqual(partsLines().flat(), ['a', 'b']);
    for (const v of ['c', 'd', 'e']) again.write(v);
    again.snapshotState!(2);
    again.notifyCheckpointComplete!(2);
    assert.deepEqual(partsLines().flat().sort(), ['a', 'b', 'c', 'd', 'e']);
    again.close();
  });

  test('in a job: small parts, every record once, all committed at the end of input', async () => {
    await runJob((env) => {
      env
        .fromSequence(1, 2000)
        .map((n) => `line ${n}`)
        .sinkTo(FileSink.forRowFormat<string>(out).withRollingPolicy(SizeAndTimeRollingPolicy.of({ maxPartSize: 1024 })).build());
    });
    const parts = partsLines();
    assert.ok(parts.length >= 10, `${parts.length} parts of about 1 KiB`);
    const lines = parts.flat();
    assert.equal(lines.length, 2000);
    assert.equal(new Set(lines).size, 2000);
    assert.deepEqual(hidden(), []);
  });
});
