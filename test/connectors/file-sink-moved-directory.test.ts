/**
 * A FileSink restored with another output directory, as Flink's: its committables carry the
 * files' full paths, so a restore commits what the snapshot left pending where it was written,
 * and after a stop-with-savepoint (committed already) finds nothing to do. The snapshot records
 * the sink's absolute directory; a snapshot from before it did resolves against the current
 * directory, as it always has. A recorded directory or name is data: only the snapshot's own
 * hidden part files are ever renamed, to their visible names beside them.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DefaultRollingPolicy, FileSink, MemorySize, OutputFileConfig, type SinkWriter } from '../../src/index.js';
import { SnapshotRestoreError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/run-job.js';
import { closeWriters } from '../helpers/sink-writers.js';
import { stderrOf } from '../helpers/stderr-of.js';

const JOB_A = 'aaaaaaaaaaaa00000000000000000001';
const JOB_B = 'bbbbbbbbbbbb00000000000000000002';

let tmp: { path: string; cleanup: () => void };
let oldDir: string;
let newDir: string;
const writers: SinkWriter<unknown>[] = [];
beforeEach(() => {
  tmp = tempDir('flink-file-sink-moved-');
  oldDir = join(tmp.path, 'old');
  newDir = join(tmp.path, 'new');
});
afterEach(() => {
  closeWriters(writers);
  tmp.cleanup();
});

/** A writer of job `jobId` into `dir`; `open` keeps parts open across checkpoints (they are recorded in progress). */
function writer(dir: string, jobId: string, open = false): SinkWriter<string> {
  let b = FileSink.forRowFormat<string>(dir);
  if (open) b = b.withRollingPolicy(DefaultRollingPolicy.builder().withMaxPartSize(MemorySize.ofMebiBytes(1)).build());
  const w = b.build().createWriter({ subtaskIndex: 0, parallelism: 1, jobId, operatorUid: 'sink', checkpointing: true, attemptNumber: 0 });
  writers.push(w as SinkWriter<unknown>);
  return w;
}

const visible = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => !f.startsWith('.')) : []);
const hidden = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('.')) : []);
const lines = (dir: string) =>
  visible(dir)
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean))
    .sort();

/** Checkpoint 1 of job A in the old directory: one part pending, one recorded open (DefaultRollingPolicy), then a kill. */
function killedAfterCheckpoint(): unknown[] {
  const pending = writer(oldDir, JOB_A);
  pending.write('p1');
  const open = writer(join(oldDir), JOB_A, true);
  open.write('o1');
  const state = [...pending.snapshotState!(1), ...open.snapshotState!(1)];
  open.write('o2 after the checkpoint');
  pending.close();
  open.close();
  return state;
}

describe('FileSink restored with another output directory', () => {
  test('a kill then a restore into a new directory commits the pending and in-progress parts in the old one', () => {
    const state = killedAfterCheckpoint();
    const err = stderrOf(() => writer(newDir, JOB_B).restoreState!(state));
    assert.equal(err, '', 'no part is reported lost');
    assert.deepEqual(lines(oldDir), ['o1', 'p1'], 'committed where they were written, the open part cut back to its checkpoint');
    assert.deepEqual(hidden(oldDir), []);
    assert.deepEqual(readdirSync(newDir), [], 'nothing is written into the new directory');
  });

  test('a stop-with-savepoint then a restore into a new directory commits nothing again and warns of nothing', () => {
    const w = writer(oldDir, JOB_A);
    w.write('a');
    const state = w.snapshotState!(1);
    w.notifyCheckpointComplete!(1);
    w.close();
    const err = stderrOf(() => writer(newDir, JOB_B).restoreState!(state));
    assert.equal(err, '');
    assert.deepEqual(lines(oldDir), ['a']);
  });

  test('a snapshot from before directories were recorded resolves against the current directory, as it did', () => {
    const legacy = (state: unknown[]) => state.map((e) => Object.fromEntries(Object.entries(e as object).filter(([k]) => k !== 'directory')));
    const state = legacy(killedAfterCheckpoint());
    assert.ok(state.some((e) => 'pending' in e) && state.every((e) => !('directory' in e)));
    const err = stderrOf(() => writer(newDir, JOB_B).restoreState!(state));
    assert.match(err, /^Warning: FileSink: pending file .*\/new\/\.part-[^ ]+\.pending is gone; its records are lost\.\n/);
    assert.deepEqual(visible(oldDir), []);
    writer(oldDir, JOB_B).restoreState!(state);
    assert.deepEqual(lines(oldDir), ['o1', 'p1'], 'restored into the same directory, it commits as before');
  });

  test('a recorded directory that is gone is one warning naming it and what was lost', () => {
    const state = killedAfterCheckpoint();
    rmSync(oldDir, { recursive: true });
    const err = stderrOf(() => writer(newDir, JOB_B).restoreState!(state));
    assert.equal(err, `Warning: FileSink: the output directory ${oldDir} the restored checkpoint wrote to is gone; the records of its 1 pending and 1 in-progress part files are lost.\n`);
    assert.equal(existsSync(oldDir), false);
  });

  test('recorded directories and names are data: odd directories and files that are not its part files are refused, untouched', () => {
    const state = killedAfterCheckpoint();
    const entry = state.find((e) => typeof (e as { pending?: unknown }).pending === 'string') as { pending: string; final: string };
    for (const directory of ['relative/dir', `${oldDir}/../old`, `${oldDir}/`, `${oldDir}/./x`, 7]) {
      const bad = state.map((e) => (e === entry ? { ...entry, directory } : e));
      assert.throws(() => writer(newDir, JOB_B).restoreState!(bad), (e: unknown) => e instanceof SnapshotRestoreError && /records the output directory/.test(e.message), String(directory));
    }
    writeFileSync(join(oldDir, 'notes'), 'mine');
    writeFileSync(join(oldDir, '.notes.pending'), 'mine');
    const foreign = [
      { pending: '.notes.pending', final: 'notes-2' }, // not the hidden name of its final name
      { pending: '.notes.pending', final: 'notes' }, // no part of the snapshot's job
      { pending: `.part-${JOB_A.slice(0, 12)}x.pending`, final: `sub/part-${JOB_A.slice(0, 12)}x` }, // another folder
      { pending: '../escape.pending', final: '../escape' },
      { pending: `.part-${JOB_A.slice(0, 12)}\0x.pending`, final: `part-${JOB_A.slice(0, 12)}\0x` }, // a NUL (fs would throw a TypeError)
    ];
    for (const names of foreign) {
      const bad = state.map((e) => (e === entry ? { ...entry, ...names } : e));
      assert.throws(() => writer(newDir, JOB_B).restoreState!(bad), SnapshotRestoreError, JSON.stringify(names));
    }
    assert.equal(readFileSync(join(oldDir, 'notes'), 'utf8'), 'mine');
    assert.equal(readFileSync(join(oldDir, '.notes.pending'), 'utf8'), 'mine');
    assert.deepEqual(visible(oldDir), ['notes'], 'nothing was committed: every name is checked before any rename');
  });

  test("a part prefix that is empty or starts with '.' still restores its own snapshots, old-format ones too", () => {
    for (const prefix of ['', '.p']) {
      const sink = () => FileSink.forRowFormat<string>(oldDir).withOutputFileConfig(OutputFileConfig.builder().withPartPrefix(prefix).build()).build();
      const make = (jobId: string) => {
        const w = sink().createWriter({ subtaskIndex: 0, parallelism: 1, jobId, operatorUid: 'sink', checkpointing: true, attemptNumber: 0 });
        writers.push(w as SinkWriter<unknown>);
        return w;
      };
      const w = make(JOB_A);
      w.write(`${prefix}:1`);
      const state = w.snapshotState!(1);
      w.close();
      const legacy = state.map((e) => Object.fromEntries(Object.entries(e as object).filter(([k]) => k !== 'directory')));
      for (const restored of [state, legacy]) {
        const err = stderrOf(() => make(JOB_B).restoreState!(restored));
        assert.equal(err, '', JSON.stringify(prefix));
      }
      const committed = readdirSync(oldDir).filter((f) => f.startsWith(`${prefix}-`) && !f.endsWith('.pending'));
      assert.equal(committed.length, 1, JSON.stringify(prefix));
      assert.equal(readFileSync(join(oldDir, committed[0]!), 'utf8'), `${prefix}:1\n`);
      rmSync(oldDir, { recursive: true });
    }
  });

  test('a recorded in-progress part replaced by a symbolic link is not cut through it: the file it points to stays whole', () => {
    const state = killedAfterCheckpoint();
    const open = state.find((e) => typeof (e as { inProgress?: unknown }).inProgress === 'string') as { inProgress: string };
    const victim = join(tmp.path, 'victim');
    writeFileSync(victim, 'a file of someone else, longer than the part');
    rmSync(join(oldDir, open.inProgress));
    symlinkSync(victim, join(oldDir, open.inProgress));
    const err = stderrOf(() => writer(newDir, JOB_B).restoreState!(state));
    assert.equal(readFileSync(victim, 'utf8'), 'a file of someone else, longer than the part');
    assert.equal(err, `Warning: FileSink: in-progress file ${join(oldDir, open.inProgress)} is a symbolic link, not a part file; it is left as it is and its records are lost.\n`);
  });
});
