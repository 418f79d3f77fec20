/**
 * The exactly-once sinks keep each job's files and staged rows apart: a restore cleans up what
 * the job that took the snapshot (and the restoring job's earlier attempts) left after it, and
 * never touches another job's — so a process that lost its job can never delete or rename the
 * files of the job that replaced it, and the other way round. Driven through the writers.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { FileSink, SqliteSink, type SinkWriter, type SinkWriterContext } from '../../src/index.js';
import { newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';
import { closeWriters } from '../helpers/sink-writers.js';

let dir: { path: string; cleanup: () => void };
const writers: SinkWriter<unknown>[] = [];

beforeEach(() => {
  dir = tempDir('flink-sink-runs-');
});
afterEach(() => {
  closeWriters(writers);
  dir.cleanup();
});

function ctx(jobId: string, subtaskIndex = 0, operatorUid = 'sink'): SinkWriterContext {
  return { subtaskIndex, parallelism: 1, jobId, operatorUid, checkpointing: true };
}

function track<T>(w: SinkWriter<T>): SinkWriter<T> {
  writers.push(w as SinkWriter<unknown>);
  return w;
}

describe('FileSink', () => {
  const out = () => join(dir.path, 'out');
  const files = () => readdirSync(out()).sort();
  const visible = () => files().filter((f) => !f.startsWith('.'));
  const hiddenOf = (jobId: string) => files().filter((f) => f.startsWith(`.part-${jobId.slice(0, 12)}`));
  const fileWriter = (jobId: string, uid = 'sink', subtask = 0) => track(FileSink.forRowFormat<string>(out()).build().createWriter(ctx(jobId, subtask, uid)));

  test("part names carry the job; a restore deletes the snapshot job's later files, never another job's", () => {
    const old = newJobId();
    const other = newJobId();
    const restoring = newJobId();

    // The old job: one part pending for checkpoint 1, then more written after it (a zombie's).
    const a = fileWriter(old);
    a.write('a1');
    const state = a.snapshotState!(1);
    a.write('a2');
    a.snapshotState!(2);
    a.write('a3');
    assert.equal(hiddenOf(old).length, 3, 'pending for 1, pending for 2, in progress');

    // Another job writing into the same directory.
    const z = fileWriter(other);
    z.write('z1');
    z.snapshotState!(7);
    z.write('z2');
    const otherBefore = hiddenOf(other);
    assert.equal(otherBefore.length, 2);

    // A new job restores the old one's checkpoint 1.
    fileWriter(restoring).restoreState!(state);
    assert.equal(visible().length, 1, "checkpoint 1's part is committed");
    assert.match(visible()[0]!, new RegExp(`^part-${old.slice(0, 12)}[0-9a-f]{16}-0-0$`));
    assert.deepEqual(hiddenOf(old), [], "the old job's parts after checkpoint 1 are gone (they are replayed)");
    assert.deepEqual(hiddenOf(other), otherBefore, "another job's parts are untouched");
  });

  test("a failover's restore also deletes the restoring job's own earlier attempts' leftovers", () => {
    const job = newJobId();
    const first = fileWriter(job);
    first.write('x');
    const state = first.snapshotState!(1);
    first.close();
    const second = fileWriter(job);
    second.restoreState!(state);
    second.write('y');
    second.snapshotState!(2);
    second.close();
    assert.equal(hiddenOf(job).length, 1, "the second attempt's part pending for 2, which never completed");
    fileWriter(job).restoreState!(state);
    assert.deepEqual(hiddenOf(job), []);
  });

  test("two sinks of one job in one directory: a restore of one never deletes the other's parts", () => {
    const job = newJobId();
    const a = fileWriter(job, 'sink-a');
    const b = fileWriter(job, 'sink-b');
    a.write('a1');
    b.write('b1');
    const stateA = a.snapshotState!(1);
    b.snapshotState!(1);
    a.write('a2');
    b.write('b2');
    a.close();
    b.close();
    const bParts = hiddenOf(job).filter((f) => f.endsWith('.pending'));
    assert.equal(bParts.length, 2, 'each sink has a part pending for checkpoint 1');

    // A failover restores sink-a alone first (its subtask 0 cleans up its leftovers).
    fileWriter(job, 'sink-a').restoreState!(stateA);
    assert.equal(visible().length, 1, "sink-a's part of checkpoint 1 is committed");
    const left = hiddenOf(job);
    assert.equal(left.length, 1, `sink-b's pending part stays, nothing else: ${left.join(', ')}`);
    assert.ok(bParts.includes(left[0]!), "the part left is sink-b's");
  });

  test('restored subtasks all commit every recorded part (union state): the later ones find it done and say nothing', () => {
    const old = newJobId();
    const w = fileWriter(old);
    w.write('x');
    const state = w.snapshotState!(1);
    const restoring = newJobId();
    const lost: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lost.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      for (const subtask of [0, 1, 2]) fileWriter(restoring, 'sink', subtask).restoreState!(state);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(visible().length, 1);
    assert.deepEqual(lost, []);
  });
});

describe('SqliteSink', () => {
  const dbPath = () => join(dir.path, 'out.db');
  const sqliteWriter = (jobId: string) =>
    track(new SqliteSink<number>({ path: dbPath(), table: 'events', columns: ['i'], toRow: (i) => [i] }).createWriter(ctx(jobId)));
  const stagedOf = (jobId: string) => {
    const db = new Database(dbPath(), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM _flink_sink_staging WHERE run_id LIKE ?').get(`${jobId}:%`) as { n: number }).n;
    } finally {
      db.close();
    }
  };

  test("a restore drops what the snapshot's job staged after it, never another job's staged rows", () => {
    const old = newJobId();
    const other = newJobId();
    const a = sqliteWriter(old);
    a.write(1);
    const state = a.snapshotState!(1);
    a.write(2);
    a.snapshotState!(2);
    const z = sqliteWriter(other);
    z.write(10);
    z.snapshotState!(5);
    assert.equal(stagedOf(old), 2);
    assert.equal(stagedOf(other), 1);

    sqliteWriter(newJobId()).restoreState!(state);
    const db = new Database(dbPath(), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT i FROM events').all(), [{ i: 1 }], "checkpoint 1's row is committed");
    } finally {
      db.close();
    }
    assert.equal(stagedOf(old), 0, "the old job's row staged for checkpoint 2 is dropped (it is replayed)");
    assert.equal(stagedOf(other), 1, "another job's staged row is kept");
  });
});
