/**
 * A FileSink restore next to a job that may still be writing (src/connectors/file-sink-live-writers.ts):
 * the snapshot's job is named in the context's `jobsStillWriting` (flink.db does not know it,
 * as for a savepoint taken under another FLINK_TS_HOME, whose job runs on there into the same
 * directory). The restore used to cut its recorded in-progress part back and rename it to a
 * visible name while that job still appended to it (a visible part with a hole of NULs, and a
 * failed roll for the job), and delete its hidden files written after the snapshot. Now its
 * files are left as they are: the recorded prefix is copied into a part of the restoring job.
 * And a recorded directory that is a regular file now is one warning, as a gone one, checked
 * before anything is renamed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DefaultRollingPolicy, FileSink, MemorySize, type SinkWriter } from '../../src/index.js';
import { decideRestoreScope } from '../../src/connectors/file-sink-live-writers.js';
import { tempDir } from '../helpers/run-job.js';
import { closeWriters } from '../helpers/sink-writers.js';
import { stderrOf } from '../helpers/stderr-of.js';

const JOB_A = 'aaaaaaaaaaaa00000000000000000001';
const JOB_B = 'bbbbbbbbbbbb00000000000000000002';

let tmp: { path: string; cleanup: () => void };
let dir: string;
const writers: SinkWriter<unknown>[] = [];
beforeEach(() => {
  tmp = tempDir('flink-file-sink-live-');
  dir = join(tmp.path, 'out');
});
afterEach(() => {
  closeWriters(writers);
  tmp.cleanup();
});

/** A writer of `jobId` into `into` whose parts stay open across checkpoints (1 MiB parts); `stillWriting` as the context's. */
function writer(jobId: string, stillWriting?: readonly string[], into = dir): SinkWriter<string> {
  const sink = FileSink.forRowFormat<string>(into)
    .withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(MemorySize.ofMebiBytes(1)).build())
    .build();
  const w = sink.createWriter({
    subtaskIndex: 0,
    parallelism: 1,
    jobId,
    operatorUid: 'sink',
    checkpointing: true,
    attemptNumber: 0,
    ...(stillWriting ? { jobsStillWriting: stillWriting } : {}),
  });
  writers.push(w as SinkWriter<unknown>);
  return w;
}

/** Every file under the directory (hidden ones too) with its content. */
function files(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}
const visibleLines = () =>
  readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .sort();

/**
 * Job A's savepoint 1 with one part recorded open ('a1'); A writes on ('a2') and takes checkpoint
 * 2, which makes 'a2' durable in the same open part: A keeps running.
 */
function savepointOfRunningA(): { a: SinkWriter<string>; state: unknown[] } {
  const a = writer(JOB_A);
  a.write('a1');
  const state = a.snapshotState!(1);
  a.write('a2 after the savepoint');
  a.snapshotState!(2);
  return { a, state };
}

describe('FileSink restore while the snapshot\'s job may still write', () => {
  test("its recorded in-progress part is copied, not cut back; the running job's file is untouched and it rolls and commits as ever", () => {
    const { a, state } = savepointOfRunningA();
    const before = files();
    const err = stderrOf(() => writer(JOB_B, [JOB_A]).restoreState!(state));
    const after = files();
    for (const [name, content] of Object.entries(before)) assert.equal(after[name], content, `${name} of the running job was changed`);
    const copies = Object.keys(after).filter((f) => !(f in before));
    assert.equal(copies.length, 1, JSON.stringify(after));
    assert.match(copies[0]!, /^part-bbbbbbbbbbbb/, 'a visible part of the restoring job');
    assert.equal(after[copies[0]!], 'a1\n', 'the recorded prefix, as a restore from the savepoint commits it');
    assert.match(err, /^Warning: FileSink: job aaaaaaaaaaaa00000000000000000001, whose snapshot this job restored, is unknown to this FLINK_TS_HOME's flink\.db and may still be running, into .*: its files are left as they are \(1 in-progress parts copied up to their recorded length instead of cut back, 0 hidden files written after the snapshot not deleted\)/);
    // The running job goes on: its next checkpoint rolls nothing (1 MiB parts), its end of input commits.
    a.write('a3');
    a.endOfInput!();
    a.snapshotState!(3);
    a.notifyCheckpointComplete!(3);
    assert.deepEqual(visibleLines(), ['a1', 'a1', 'a2 after the savepoint', 'a3'], 'both jobs committed the records of the part open at the savepoint, and no hole of NULs');
  });

  test('a repeated restore (a failover before the first checkpoint) finds its copy made: no second one', () => {
    const { state } = savepointOfRunningA();
    stderrOf(() => writer(JOB_B, [JOB_A]).restoreState!(state));
    stderrOf(() => writer(JOB_B, [JOB_A]).restoreState!(state));
    assert.deepEqual(visibleLines(), ['a1']);
  });

  test("its hidden files written after the snapshot are not deleted; its pending parts are committed (idempotent for it)", () => {
    const a = writer(JOB_A);
    a.write('a1');
    a.snapshotState!(1);
    // A rolls at end of input: its part goes pending for the next checkpoint, then checkpoint 2 records it pending.
    a.endOfInput!();
    const state = a.snapshotState!(2);
    const late = writer(JOB_A);
    late.write('written after the savepoint');
    const lateFiles = readdirSync(dir).filter((f) => f.endsWith('.inprogress'));
    assert.equal(lateFiles.length, 1);
    const err = stderrOf(() => writer(JOB_B, [JOB_A]).restoreState!(state));
    assert.ok(existsSync(join(dir, lateFiles[0]!)), "the running job's later part was deleted");
    assert.match(err, /\(0 in-progress parts copied up to their recorded length instead of cut back, 1 hidden files written after the snapshot not deleted\)/);
    assert.deepEqual(visibleLines(), ['a1'], 'the pending part is committed');
    // A's own commit of it finds it committed, and says nothing.
    assert.equal(stderrOf(() => a.notifyCheckpointComplete!(2)), '');
    assert.deepEqual(visibleLines(), ['a1']);
  });

  test("without the fact (a job flink.db knows, stopped): cut back, committed and leftovers deleted, as ever", () => {
    const { state } = savepointOfRunningA();
    const late = writer(JOB_A);
    late.write('written after the savepoint');
    assert.equal(stderrOf(() => writer(JOB_B).restoreState!(state)), '');
    assert.deepEqual(visibleLines(), ['a1']);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'the leftovers of the stopped job are deleted');
  });

  test('the restoring job is never taken for a running one, nor is a job the snapshot does not name', () => {
    assert.deepEqual(decideRestoreScope({ own: 'b', writers: ['a'], stillWriting: new Set(['a']) }), { leftoversOf: new Set(['b']), live: ['a'] });
    assert.deepEqual(decideRestoreScope({ own: 'b', writers: ['b'], stillWriting: new Set(['a', 'b']) }), { leftoversOf: new Set(['b']), live: [] });
    assert.deepEqual(decideRestoreScope({ own: 'b', writers: ['a'], stillWriting: new Set() }), { leftoversOf: new Set(['b', 'a']), live: [] });
  });
});

describe('FileSink restore: a recorded directory that is no longer a directory', () => {
  test('is one warning, as a gone one, before anything is renamed; the parts recorded elsewhere are committed', () => {
    const other = join(tmp.path, 'other');
    const w = writer(JOB_A, undefined, other);
    w.write('lost');
    const w2 = writer(JOB_A);
    w2.write('kept');
    const state = [...w.snapshotState!(1), ...w2.snapshotState!(1)];
    w.close();
    w2.close();
    // The recorded directory is replaced by a regular file.
    rmSync(other, { recursive: true });
    writeFileSync(other, 'not a directory');
    const err = stderrOf(() => writer(JOB_B).restoreState!(state));
    assert.equal(err, `Warning: FileSink: the output directory ${other} the restored checkpoint wrote to is no longer a directory; the records of its 0 pending and 1 in-progress part files are lost.\n`);
    assert.deepEqual(visibleLines(), ['kept']);
    assert.equal(readFileSync(other, 'utf8'), 'not a directory');
  });

  test('one under a path that is a file now is gone, as ever (a warning, not an error)', () => {
    const parent = join(tmp.path, 'parent');
    const w = writer(JOB_A, undefined, join(parent, 'other'));
    w.write('lost');
    const state = w.snapshotState!(1);
    w.close();
    rmSync(parent, { recursive: true });
    writeFileSync(parent, 'not a directory');
    const err = stderrOf(() => writer(JOB_B).restoreState!(state));
    assert.equal(err, `Warning: FileSink: the output directory ${join(parent, 'other')} the restored checkpoint wrote to is gone; the records of its 0 pending and 1 in-progress part files are lost.\n`);
  });
});
