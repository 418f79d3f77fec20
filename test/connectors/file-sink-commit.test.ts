/**
 * FileSink's two-phase commit, driven through one writer and the calls a task makes, so each
 * step can be checked on disk without timing: a part is pre-committed (closed, renamed to
 * `.<name>.pending`) at checkpoint n's barrier and becomes visible only when n completes; a
 * restore from n makes n's parts visible and deletes what was written after n (it is replayed),
 * including a part already pre-committed for n+1.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DefaultRollingPolicy, FileSink, type SinkWriter, type SinkWriterContext } from '../../src/index.js';
import { tempDir } from '../helpers/run-job.js';

let dir: { path: string; cleanup: () => void };
let out: string;

beforeEach(() => {
  dir = tempDir('flink-file-sink-commit-');
  out = join(dir.path, 'out');
});
afterEach(() => dir.cleanup());

const JOB = '7c0ffee0000000000000000000000001';

function writer(jobId = JOB, attemptNumber = 0): SinkWriter<string> {
  const context: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobId, operatorUid: 'sink', checkpointing: true, attemptNumber };
  return FileSink.forRowFormat<string>(out).build().createWriter(context);
}

const names = () => readdirSync(out).sort();
const visible = () => names().filter((f) => !f.startsWith('.'));
const hidden = () => names().filter((f) => f.startsWith('.'));
/** The lines of every visible part, sorted: what a reader of the directory sees. */
const committedLines = () =>
  visible()
    .flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter(Boolean))
    .sort();

describe('FileSink two-phase commit', () => {
  test("a part stays hidden and pending after checkpoint n's barrier and is visible only when n completes", () => {
    const w = writer();
    w.write('a');
    w.write('b');
    assert.deepEqual(visible(), []);
    assert.match(hidden().join(), /^\.part-[0-9a-z]{28}-0-0\.inprogress$/);

    w.snapshotState!(1);
    assert.deepEqual(visible(), [], 'nothing is visible at the barrier');
    assert.match(hidden().join(), /^\.part-[0-9a-z]{28}-0-0\.pending$/, 'the part is pre-committed');
    assert.equal(readFileSync(join(out, hidden()[0]!), 'utf8'), 'a\nb\n', 'and complete on disk');

    w.notifyCheckpointComplete!(1);
    assert.deepEqual(hidden(), []);
    assert.match(visible().join(), /^part-[0-9a-z]{28}-0-0$/);
    assert.deepEqual(committedLines(), ['a', 'b']);
    w.close();
  });

  test('a process that no longer owns the job commits nothing when a checkpoint completes (it asks its fence first)', () => {
    let owner = true;
    const checkOwnership = (action: string) => {
      if (!owner) throw new Error(`fenced before it would ${action}`);
    };
    const context: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobId: JOB, operatorUid: 'sink', checkpointing: true, attemptNumber: 0, checkOwnership };
    const w = FileSink.forRowFormat<string>(out).build().createWriter(context);
    w.write('a');
    w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    w.write('b');
    w.snapshotState!(2);
    owner = false;
    assert.throws(() => w.notifyCheckpointComplete!(2), /fenced before it would commit checkpoint 2 of sink 'sink'/);
    assert.deepEqual(committedLines(), ['a'], "checkpoint 2's part stays pending");
    assert.match(hidden().join(), /\.pending$/);
    w.close();
    // Without checkpointing, the end of input is the commit, and asks too.
    const unfenced = FileSink.forRowFormat<string>(out).build().createWriter({ ...context, checkpointing: false });
    unfenced.write('c');
    assert.throws(() => unfenced.endOfInput!(), /fenced before it would commit the parts of sink 'sink' at the end of input/);
    assert.deepEqual(committedLines(), ['a']);
    unfenced.close();
    assert.deepEqual(hidden().filter((f) => f.endsWith('.inprogress')), [], 'its part, which nothing records, is gone');
  });

  test('at the end of input without checkpointing, the fence is asked once every part is durable: after it come only the renames', () => {
    // An fsync takes milliseconds; a process frozen in one, asked before it, renamed on waking after it was declared lost.
    const onDisk: string[] = [];
    const checkOwnership = () => {
      for (const f of hidden()) onDisk.push(readFileSync(join(out, f), 'utf8'));
    };
    const context: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobId: JOB, operatorUid: 'sink', checkpointing: false, attemptNumber: 0, checkOwnership };
    const w = FileSink.forRowFormat<string>(out).build().createWriter(context);
    w.write('a');
    w.write('b');
    w.endOfInput!();
    assert.deepEqual(onDisk, ['a\nb\n'], 'written out and closed when the fence was asked');
    assert.deepEqual(committedLines(), ['a', 'b']);
    w.close();
  });

  test('completing n commits the parts of n and of earlier checkpoints that never completed, never a part of n+1', () => {
    const w = writer();
    w.write('a');
    w.snapshotState!(1); // checkpoint 1 will never complete (aborted)
    w.write('b');
    w.snapshotState!(2);
    w.write('c');
    w.snapshotState!(3);
    w.write('d'); // in progress

    w.notifyCheckpointComplete!(2);
    assert.deepEqual(committedLines(), ['a', 'b'], "2's completion commits 1's part too (subsumed), not 3's");
    assert.equal(hidden().filter((f) => f.endsWith('.pending')).length, 1, "3's part is still pending");
    assert.equal(hidden().filter((f) => f.endsWith('.inprogress')).length, 1);

    w.notifyCheckpointComplete!(3);
    assert.deepEqual(committedLines(), ['a', 'b', 'c']);
    assert.deepEqual(
      hidden().map((f) => f.replace(/^.*\./, '')),
      ['inprogress'],
      'only the part after the last barrier is left, hidden',
    );
    w.close();
    assert.deepEqual(hidden(), [], 'close drops the part no checkpoint covers (it is replayed)');
    assert.deepEqual(committedLines(), ['a', 'b', 'c']);
  });

  test('a restore from n makes n’s parts visible and deletes a part pre-committed for n+1 and one in progress', () => {
    const crashed = writer();
    crashed.write('a');
    const state1 = crashed.snapshotState!(1);
    crashed.write('b');
    crashed.snapshotState!(2); // pre-committed for 2, which never completes: the process dies
    crashed.write('c');
    assert.deepEqual(visible(), [], 'nothing was committed before the crash');
    assert.equal(hidden().length, 3);

    // A failover: the same job restores checkpoint 1 (the crashed writer is never called again).
    const restored = writer();
    restored.restoreState!(state1);
    assert.deepEqual(committedLines(), ['a'], "checkpoint 1's part is committed, 2's is not");
    assert.deepEqual(hidden(), [], "the part pre-committed for 2 and the part in progress are deleted: their records are replayed");

    // The replay writes b and c again; they become visible once their checkpoint completes.
    restored.write('b');
    restored.write('c');
    restored.snapshotState!(2);
    assert.deepEqual(committedLines(), ['a']);
    restored.notifyCheckpointComplete!(2);
    assert.deepEqual(committedLines(), ['a', 'b', 'c'], 'each record exactly once');
    restored.close();
  });

  test('a restore cuts back the parts its checkpoint recorded open first, then asks the fence again: after it come only the renames', () => {
    // A cut is an fsync (milliseconds); a process frozen in one, asked only before it, renamed on
    // waking after it was declared lost.
    const sink = () => FileSink.forRowFormat<string>(out).withRollingPolicy(DefaultRollingPolicy.builder().build()).build();
    const first = sink().createWriter({ subtaskIndex: 0, parallelism: 1, jobId: JOB, operatorUid: 'sink', checkpointing: true, attemptNumber: 0 });
    first.write('a');
    const state1 = first.snapshotState!(1);
    const [part] = hidden();
    assert.match(part!, /\.inprogress$/, 'recorded open');
    appendFileSync(join(out, part!), 'written after the checkpoint\n');
    const seen: string[] = [];
    let owner = true;
    const checkOwnership = () => {
      const path = join(out, part!);
      seen.push(existsSync(path) ? `${statSync(path).size} bytes hidden` : 'renamed');
      if (!owner) throw new Error('fenced');
    };
    const context: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, jobId: JOB, operatorUid: 'sink', checkpointing: true, attemptNumber: 1, checkOwnership };
    owner = false;
    assert.throws(() => sink().createWriter(context).restoreState!(state1), /fenced/);
    assert.deepEqual(seen, ['31 bytes hidden'], 'refused before anything was cut');
    owner = true;
    seen.length = 0;
    sink().createWriter(context).restoreState!(state1);
    assert.deepEqual(seen, ['31 bytes hidden', '2 bytes hidden'], 'asked again once cut back and durable, before the rename');
    assert.deepEqual(committedLines(), ['a']);
  });

  test('restoring the same checkpoint again (a second failover) commits nothing twice and loses nothing', () => {
    const first = writer();
    first.write('a');
    const state1 = first.snapshotState!(1);
    writer().restoreState!(state1);
    writer().restoreState!(state1);
    assert.deepEqual(committedLines(), ['a']);
    assert.deepEqual(hidden(), []);
  });

  test('at the end of input a checkpointing job’s parts wait for its final checkpoint', () => {
    const w = writer();
    w.write('a');
    w.snapshotState!(1);
    w.write('b');
    w.endOfInput();
    assert.deepEqual(visible(), [], 'end of input only pre-commits');
    w.snapshotState!(2); // the final checkpoint
    assert.deepEqual(visible(), []);
    w.notifyCheckpointComplete!(2);
    assert.deepEqual(committedLines(), ['a', 'b']);
    assert.deepEqual(hidden(), []);
    w.close();
  });

  test('a restarted run that restored nothing deletes what earlier runs of the job pre-committed (their checkpoint never completed); a first run deletes nothing', async () => {
    const first = writer();
    first.write('a');
    first.snapshotState!(1); // pre-committed for checkpoint 1, which then never completes
    first.close();
    const other = writer('0ther000000000000000000000000002');
    other.write('x'); // another job's part: never touched
    assert.equal(hidden().length, 2);

    const fresh = writer(JOB, 0);
    await fresh.open?.();
    assert.equal(hidden().length, 2, 'a first run has no earlier runs to clean up after');
    fresh.close();

    const restarted = writer(JOB, 1);
    await restarted.open?.();
    assert.deepEqual(hidden().map((f) => f.slice(6, 18)), ['0ther0000000'], "only the other job's part is left");
    restarted.write('c');
    restarted.snapshotState!(2);
    restarted.notifyCheckpointComplete!(2);
    assert.deepEqual(committedLines(), ['c']);
    restarted.close();
    other.close();
  });
});
