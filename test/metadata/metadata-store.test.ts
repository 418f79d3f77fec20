import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, MetadataStore, SCHEMA_VERSION } from '../../src/metadata/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { IllegalJobStateError, JobNotFoundError, MetadataError } from '../../src/util/errors.js';
import { newJobId, type JobId } from '../../src/util/ids.js';
import { freshDbPaths, userVersionOf } from './db-files.js';

const freshPath = freshDbPaths('flink-metadata-test-');

function open(clock = new ManualClock(1_000)): MetadataStore {
  return MetadataStore.open(freshPath(), { clock });
}

function job(store: MetadataStore, id: JobId = newJobId(), startTime?: number): JobId {
  store.createJob({ jobId: id, name: `job-${id.slice(0, 4)}`, jobFile: '/jobs/x.ts', args: ['--n', '1'], ...(startTime === undefined ? {} : { startTime }) });
  return id;
}

describe('opening', () => {
  it('creates the schema once; reopening is idempotent', () => {
    const file = freshPath();
    const a = MetadataStore.open(file);
    const id = job(a);
    a.close();
    const b = MetadataStore.open(file);
    assert.equal(b.getJob(id)?.name, `job-${id.slice(0, 4)}`);
    b.close();
    const raw = new BetterSqlite3(file);
    assert.equal(raw.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();
  });

  it('creates the file and its WAL side files owner-only', () => {
    const file = freshPath();
    const s = MetadataStore.open(file);
    job(s);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      assert.equal(fs.statSync(f).mode & 0o777, 0o600, f);
    }
    s.close();
  });

  it('tightens an existing database file', () => {
    const file = freshPath();
    MetadataStore.open(file).close();
    fs.chmodSync(file, 0o644);
    MetadataStore.open(file).close();
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  });

  it('refuses a file that is not a database, in one line', () => {
    const file = freshPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'this is not a database; '.repeat(200));
    assert.throws(
      () => MetadataStore.open(file),
      (err: unknown) =>
        err instanceof MetadataError &&
        err.message === `Cannot open ${file}: file is not a database. Move it aside to start with a fresh job history.`,
    );
  });

  it('upgrades a version 1 database in place: jobs keep their rows, at epoch 0 with no process start time', () => {
    const file = freshPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new BetterSqlite3(file);
    raw.exec(MIGRATIONS.find((m) => m.version === 1)!.sql);
    raw.pragma('user_version = 1');
    const id = newJobId();
    raw.prepare("INSERT INTO jobs (job_id, name, job_file, status, pid, start_time, heartbeat) VALUES (?, 'old', '/j.ts', 'RUNNING', 12, 5, 6)").run(id);
    raw.close();
    const s = MetadataStore.open(file);
    const j = s.getJob(id)!;
    assert.deepEqual([j.name, j.status, j.pid, j.heartbeat, j.epoch, j.pidStart], ['old', 'RUNNING', 12, 6, 0, null]);
    assert.equal(s.markLost(id), true);
    assert.equal(s.getJob(id)?.epoch, 1);
    s.close();
    assert.equal(userVersionOf(file), SCHEMA_VERSION);
  });

  it('refuses a database from a newer flink-ts', () => {
    const file = freshPath();
    MetadataStore.open(file).close();
    const raw = new BetterSqlite3(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => MetadataStore.open(file), (err: unknown) => err instanceof MetadataError && /newer flink-ts/.test(err.message));
  });

  it('read-only: reads an existing store, refuses a missing one', () => {
    const file = freshPath();
    const w = MetadataStore.open(file);
    const id = job(w);
    const r = MetadataStore.open(file, { readonly: true });
    assert.equal(r.listJobs().length, 1);
    assert.throws(() => r.renewLease(id, 0, 5), MetadataError);
    r.close();
    w.close();
    assert.throws(() => MetadataStore.open(freshPath(), { readonly: true }), MetadataError);
  });
});

describe('jobs', () => {
  it('round-trips a job record', () => {
    const s = open();
    const id = newJobId();
    const rec = s.createJob({
      jobId: id, name: 'wc', jobFile: '/j.ts', args: ['a'], parallelism: 2,
      config: { 'parallelism.default': 2, 'execution.checkpointing.incremental': false }, restoredFrom: '/sp/1',
    });
    assert.deepEqual(rec, {
      jobId: id, name: 'wc', jobFile: '/j.ts', args: ['a'], status: 'CREATED', pid: null, pidStart: null, epoch: 0, parallelism: 2,
      config: { 'parallelism.default': 2, 'execution.checkpointing.incremental': false }, startTime: 1000,
      endTime: null, heartbeat: null, restoredFrom: '/sp/1', failureCause: null, failureStack: null,
      lastCheckpointId: null, lastCheckpointPath: null, lastCheckpointTime: null, savepointPath: null,
    });
    assert.throws(() => s.createJob({ jobId: id, name: 'again', jobFile: '/j.ts' }), MetadataError);
    assert.equal(s.updateJob(id, { name: 'renamed', pid: 42, pidStart: 4242 }).name, 'renamed');
    assert.equal(s.getJob(id)?.pid, 42);
    assert.equal(s.getJob(id)?.pidStart, 4242);
    assert.equal(s.getJob(newJobId()), undefined);
    s.close();
  });

  it('lists newest first, filtered by status, limited', () => {
    const s = open();
    const a = job(s, newJobId(), 100);
    const b = job(s, newJobId(), 300);
    const c = job(s, newJobId(), 200);
    s.transitionJob(b, 'RUNNING');
    assert.deepEqual(s.listJobs().map((j) => j.jobId), [b, c, a]);
    assert.deepEqual(s.listJobs({ statuses: ['RUNNING'] }).map((j) => j.jobId), [b]);
    assert.deepEqual(s.listJobs({ statuses: ['CREATED'], limit: 1 }).map((j) => j.jobId), [c]);
    assert.deepEqual(s.listJobs({ statuses: [] }), []);
    s.close();
  });
});

describe('resolveJobId', () => {
  const s = open();
  const a = job(s, 'abcdef0000000000000000000000000a' as JobId);
  job(s, 'abcdef1100000000000000000000000b' as JobId);
  job(s, 'abcdef1200000000000000000000000c' as JobId);

  it('accepts a full id or a unique prefix of >= 6 characters, any case', () => {
    assert.equal(s.resolveJobId(a), a);
    assert.equal(s.resolveJobId('abcdef0'), a);
    assert.equal(s.resolveJobId('ABCDEF0'), a);
  });

  it('refuses an ambiguous prefix, listing the matches', () => {
    assert.throws(
      () => s.resolveJobId('abcdef1'),
      (err: unknown) =>
        err instanceof JobNotFoundError &&
        err.code === 'job.ambiguous' &&
        err.message.includes('abcdef1100000000000000000000000b') &&
        err.message.includes('abcdef1200000000000000000000000c'),
    );
  });

  it('refuses an unknown id', () => {
    assert.throws(
      () => s.resolveJobId('abc123'),
      (err: unknown) =>
        err instanceof JobNotFoundError &&
        err.code === 'job.notFound' &&
        err.message === "No job matches 'abc123'. Run 'flink list -a' to see job ids.",
    );
  });

  it('refuses a too short or non-hex prefix', () => {
    for (const bad of ['abcde', '', 'xyz1234', 'abcdef-', 'a'.repeat(33)]) {
      assert.throws(() => s.resolveJobId(bad), (err: unknown) => err instanceof JobNotFoundError && err.code === 'job.invalidId', bad);
    }
  });
});

describe('transitions', () => {
  it('follow the table, set end time on terminal statuses, and record events', () => {
    const clock = new ManualClock(1_000);
    const s = open(clock);
    const id = job(s);
    clock.advance(10);
    s.transitionJob(id, 'RUNNING', { pid: 7 });
    clock.advance(10);
    s.transitionJob(id, 'FAILING', { failureCause: 'boom', failureStack: 'Error: boom\n  at x' });
    s.transitionJob(id, 'RESTARTING');
    s.transitionJob(id, 'RUNNING');
    clock.advance(10);
    const done = s.transitionJob(id, 'FINISHED');
    assert.equal(done.status, 'FINISHED');
    assert.equal(done.endTime, 1030);
    assert.equal(done.pid, 7);
    assert.equal(done.failureCause, 'boom');
    assert.deepEqual(
      s.listEvents(id).map((e) => [e.kind, e.statusFrom, e.statusTo, e.time]),
      [
        ['status', null, 'CREATED', 1000],
        ['status', 'CREATED', 'RUNNING', 1010],
        ['status', 'RUNNING', 'FAILING', 1020],
        ['status', 'FAILING', 'RESTARTING', 1020],
        ['status', 'RESTARTING', 'RUNNING', 1020],
        ['status', 'RUNNING', 'FINISHED', 1030],
      ],
    );
    assert.equal(s.listEvents(id)[2]?.cause, 'boom');
    s.close();
  });

  it('refuse illegal moves without changing anything', () => {
    const s = open();
    const id = job(s);
    s.transitionJob(id, 'RUNNING');
    s.transitionJob(id, 'FINISHED');
    const before = s.listEvents(id).length;
    assert.throws(
      () => s.transitionJob(id, 'CANCELLING'),
      (err: unknown) =>
        err instanceof IllegalJobStateError && err.message === `Illegal job status change FINISHED -> CANCELLING for job ${id}`,
    );
    const other = job(s);
    s.transitionJob(other, 'RUNNING');
    assert.throws(() => s.transitionJob(other, 'CANCELED'), IllegalJobStateError);
    assert.equal(s.getJob(other)?.status, 'RUNNING');
    assert.equal(s.getJob(id)?.status, 'FINISHED');
    assert.equal(s.listEvents(id).length, before);
    assert.throws(() => s.transitionJob(newJobId(), 'RUNNING'), JobNotFoundError);
    s.close();
  });

  it('record failure and restart events', () => {
    const s = open();
    const id = job(s);
    s.recordEvent({ jobId: id, kind: 'failure', cause: 'x failed', stack: 'at y', attempt: 1 });
    s.recordEvent({ jobId: id, kind: 'restart', attempt: 1 });
    const [, failure, restart] = s.listEvents(id);
    assert.equal(failure?.kind, 'failure');
    assert.equal(failure?.stack, 'at y');
    assert.equal(restart?.attempt, 1);
    assert.throws(() => s.recordEvent({ jobId: newJobId(), kind: 'restart' }), JobNotFoundError);
    s.close();
  });
});

describe('markLost and heartbeats', () => {
  it('fails only non-terminal jobs', () => {
    const clock = new ManualClock(5_000);
    const s = open(clock);
    const running = job(s);
    s.transitionJob(running, 'RUNNING');
    const finished = job(s);
    s.transitionJob(finished, 'RUNNING');
    s.transitionJob(finished, 'FINISHED');
    const cancelling = job(s);
    s.transitionJob(cancelling, 'CANCELLING');
    clock.advance(100);

    assert.equal(s.markLost(running), true);
    const lost = s.getJob(running)!;
    assert.equal(lost.status, 'FAILED');
    assert.equal(lost.failureCause, 'job process lost');
    assert.equal(lost.endTime, 5_100);
    assert.equal(s.listEvents(running).at(-1)?.statusTo, 'FAILED');
    assert.equal(s.markLost(running), false);

    const finishedBefore = s.getJob(finished);
    assert.equal(s.markLost(finished), false);
    assert.deepEqual(s.getJob(finished), finishedBefore);

    assert.equal(s.markLost(cancelling, 'process 123 is gone'), true);
    assert.equal(s.getJob(cancelling)?.failureCause, 'process 123 is gone');
    assert.equal(s.markLost(newJobId()), false);
    s.close();
  });

  it('leaves a job alone whose heartbeat is fresher than the threshold', () => {
    const s = open();
    const id = job(s);
    const epoch = s.acquireJob(id, { pid: 1, pidStart: null, heartbeat: 5_000 })!;
    s.transitionJob(id, 'RUNNING');
    assert.equal(s.renewLease(id, epoch, 9_000), true);
    assert.equal(s.getJob(id)?.heartbeat, 9_000);
    assert.equal(s.markLost(id, undefined, { staleBefore: 8_000 }), false);
    assert.equal(s.getJob(id)?.status, 'RUNNING');
    assert.equal(s.markLost(id, undefined, { staleBefore: 10_000 }), true);
    assert.equal(s.renewLease(newJobId(), 1, 1), false);
    s.close();
  });

  it('declaring a job lost moves it to a new epoch: its process can renew nothing more', () => {
    const s = open();
    const id = job(s);
    const epoch = s.acquireJob(id, { pid: 1, pidStart: null, heartbeat: 5_000 })!;
    s.transitionJob(id, 'RUNNING');
    assert.equal(s.markLost(id), true);
    assert.deepEqual(s.jobOwnership(id), { epoch: epoch + 1, status: 'FAILED' });
    assert.equal(s.renewLease(id, epoch, 6_000), false);
    assert.equal(s.getJob(id)?.heartbeat, 5_000);
    s.close();
  });
});

describe('fencing: epochs and status compare-and-set', () => {
  it('a process takes over a CREATED job once, with the next epoch, its pid, start time and first heartbeat', () => {
    const s = open();
    const id = job(s);
    assert.equal(s.acquireJob(id, { pid: 41, pidStart: 777, heartbeat: 1_500 }), 1);
    assert.deepEqual(
      (({ pid, pidStart, epoch, heartbeat, status }) => ({ pid, pidStart, epoch, heartbeat, status }))(s.getJob(id)!),
      { pid: 41, pidStart: 777, epoch: 1, heartbeat: 1_500, status: 'CREATED' },
    );
    assert.equal(s.acquireJob(id, { pid: 42, pidStart: 778, heartbeat: 1_600 }), undefined, 'a second process is refused');
    assert.equal(s.getJob(id)?.pid, 41);
    s.transitionJob(id, 'RUNNING');
    assert.equal(s.acquireJob(id, { pid: 42, pidStart: 778, heartbeat: 1_600 }), undefined, 'not once it runs');
    assert.equal(s.acquireJob(newJobId(), { pid: 42, pidStart: null, heartbeat: 1 }), undefined);
    s.close();
  });

  it('renews the heartbeat only under the current epoch and while the job is active', () => {
    const s = open();
    const id = job(s);
    const epoch = s.acquireJob(id, { pid: 1, pidStart: null, heartbeat: 1 })!;
    assert.equal(s.renewLease(id, epoch + 1, 2), false, 'another epoch');
    assert.equal(s.renewLease(id, epoch, 3), true);
    s.transitionJob(id, 'RUNNING');
    s.transitionJob(id, 'FINISHED');
    assert.equal(s.renewLease(id, epoch, 4), false, 'a finished job has no owner to renew');
    assert.equal(s.getJob(id)?.heartbeat, 3);
    s.close();
  });

  it('says what a status compare-and-set did: moved, refused, or fenced; only a move writes', () => {
    const clock = new ManualClock(1_000);
    const s = open(clock);
    const id = job(s);
    const epoch = s.acquireJob(id, { pid: 1, pidStart: null, heartbeat: 1_000 })!;
    const moved = s.compareAndSetStatus(id, 'RUNNING', { epoch });
    assert.equal(moved.outcome, 'moved');
    assert.equal(moved.outcome === 'moved' && moved.from, 'CREATED');
    assert.equal(moved.job.status, 'RUNNING');

    const events = s.listEvents(id).length;
    const refused = s.compareAndSetStatus(id, 'CANCELED', { epoch, fields: { failureCause: 'x' } });
    assert.equal(refused.outcome, 'refused');
    assert.equal(refused.job.status, 'RUNNING');

    const fenced = s.compareAndSetStatus(id, 'FINISHED', { epoch: epoch - 1 });
    assert.equal(fenced.outcome, 'fenced');
    assert.equal(s.getJob(id)?.status, 'RUNNING');
    assert.equal(s.getJob(id)?.failureCause, null);
    assert.equal(s.listEvents(id).length, events, 'refused and fenced attempts record nothing');

    s.markLost(id);
    const late = s.compareAndSetStatus(id, 'FINISHED', { epoch });
    assert.equal(late.outcome, 'fenced', 'the old owner learns it was fenced, not merely refused');
    assert.equal(late.job.failureCause, 'job process lost');
    assert.throws(() => s.compareAndSetStatus(newJobId(), 'RUNNING'), JobNotFoundError);
    s.close();
  });
});

describe('checkpoints', () => {
  it('records stats and sets the job last checkpoint in the same transaction', () => {
    const clock = new ManualClock(10_000);
    const s = open(clock);
    const id = job(s);
    s.insertCheckpoint({ jobId: id, checkpointId: 1, kind: 'CHECKPOINT', triggerTime: 10_000 });
    s.insertCheckpoint({ jobId: id, checkpointId: 2, kind: 'CHECKPOINT', triggerTime: 10_500 });
    assert.equal(s.getJob(id)?.lastCheckpointId, null);
    clock.advance(1_000);
    const c2 = s.completeCheckpoint(id, 2, 'CHECKPOINT', { path: '/cp/chk-2', stateSize: 10, checkpointedSize: 5, syncMs: 1, asyncMs: 3 });
    assert.equal(c2.status, 'COMPLETED');
    assert.equal(c2.durationMs, 500);
    assert.equal(c2.endTime, 11_000);
    // A late completion of an older checkpoint does not move the job backwards.
    s.completeCheckpoint(id, 1, 'CHECKPOINT', { path: '/cp/chk-1' });
    const j = s.getJob(id)!;
    assert.deepEqual([j.lastCheckpointId, j.lastCheckpointPath, j.lastCheckpointTime], [2, '/cp/chk-2', 11_000]);

    s.insertCheckpoint({ jobId: id, checkpointId: 3, kind: 'CHECKPOINT', triggerTime: 12_000 });
    s.updateCheckpoint(id, 3, 'CHECKPOINT', { status: 'FAILED', failureReason: 'timeout', endTime: 13_000 });
    assert.equal(s.getCheckpoint(id, 3, 'CHECKPOINT')?.failureReason, 'timeout');
    assert.equal(s.getJob(id)?.lastCheckpointId, 2);

    assert.deepEqual(s.listCheckpoints(id).map((c) => [c.checkpointId, c.status]), [[3, 'FAILED'], [2, 'COMPLETED'], [1, 'COMPLETED']]);
    assert.deepEqual(s.listCheckpoints(id, { limit: 1 }).map((c) => c.checkpointId), [3]);
    assert.equal(s.latestCompletedCheckpoint(id)?.checkpointId, 2); // highest id, not last completed
    s.close();
  });

  it('reconciles an ended job\'s history with its checkpoint directory in one transaction', () => {
    const s = open(new ManualClock(1_000));
    const id = job(s);
    for (const n of [1, 2]) {
      s.insertCheckpoint({ jobId: id, checkpointId: n, kind: 'CHECKPOINT', triggerTime: n * 1000 });
      s.completeCheckpoint(id, n, 'CHECKPOINT', { path: `/cp/chk-${n}`, endTime: n * 1000 + 100 });
    }
    s.insertCheckpoint({ jobId: id, checkpointId: 3, kind: 'CHECKPOINT', triggerTime: 3000 });
    s.insertCheckpoint({ jobId: id, checkpointId: 4, kind: 'CHECKPOINT', triggerTime: 4000 });
    assert.deepEqual(s.checkpointsToReconcile(id).map((c) => [c.checkpointId, c.status]), [[4, 'IN_PROGRESS'], [3, 'IN_PROGRESS'], [2, 'COMPLETED'], [1, 'COMPLETED']]);
    const base = { discarded: [], restoreProblems: [], failed: [], failedReason: 'The job ended before the checkpoint completed.', failedAt: 9000 };
    const found = (n: number, path: string) => ({ checkpointId: n, kind: 'CHECKPOINT' as const, triggerTime: n * 1000, endTime: n * 1000 + 300, stateSize: 7, checkpointedSize: 3, path, restoreProblem: null });
    s.reconcileCheckpoints(id, {
      ...base,
      // Checkpoint 3 was published (its row is IN_PROGRESS), 5 has no row; 2 already completed keeps its own record.
      completed: [found(3, '/cp/chk-3'), found(5, '/cp/chk-5'), found(2, '/elsewhere')],
      failed: [{ checkpointId: 4, kind: 'CHECKPOINT' }],
      lastCheckpoint: { id: 5, path: '/cp/chk-5', time: 5300 },
    });
    const rows = (n: number) => s.getCheckpoint(id, n, 'CHECKPOINT')!;
    assert.deepEqual([rows(3).status, rows(3).durationMs, rows(3).stateSize, rows(3).path], ['COMPLETED', 300, 7, '/cp/chk-3']);
    assert.deepEqual([rows(5).status, rows(5).endTime], ['COMPLETED', 5300]);
    assert.equal(rows(2).path, '/cp/chk-2');
    assert.deepEqual([rows(4).status, rows(4).endTime, rows(4).failureReason], ['FAILED', 9000, base.failedReason]);
    const j = () => s.getJob(id)!;
    assert.deepEqual([j().lastCheckpointId, j().lastCheckpointPath, j().lastCheckpointTime], [5, '/cp/chk-5', 5300]);

    // Found damaged, then gone: the latest moves back (a completion never would), and the latest
    // completed one flink.db gives skips what cannot be restored.
    s.reconcileCheckpoints(id, { ...base, completed: [], restoreProblems: [{ path: '/cp/chk-5', problem: 'checksum mismatch' }], discarded: ['/cp/chk-3'], lastCheckpoint: { id: 2, path: '/cp/chk-2', time: 2100 } });
    assert.deepEqual([rows(5).restoreProblem, rows(3).discarded], ['checksum mismatch', true]);
    assert.equal(s.latestCompletedCheckpoint(id)?.checkpointId, 2);
    assert.deepEqual([j().lastCheckpointId, j().lastCheckpointTime], [2, 2100]);
    s.reconcileCheckpoints(id, { ...base, completed: [], lastCheckpoint: null });
    assert.deepEqual([j().lastCheckpointId, j().lastCheckpointPath], [null, null]);
    s.close();
  });

  it('keeps savepoints apart from the last checkpoint and supports dispose by path', () => {
    const clock = new ManualClock(1_000);
    const s = open(clock);
    const id = job(s);
    s.insertCheckpoint({ jobId: id, checkpointId: 1, kind: 'CHECKPOINT', triggerTime: 1_000 });
    s.completeCheckpoint(id, 1, 'CHECKPOINT', { path: '/cp/chk-1', endTime: 1_100 });
    s.insertCheckpoint({ jobId: id, checkpointId: 2, kind: 'SAVEPOINT', triggerTime: 2_000, path: '/sp/savepoint-abc' });
    s.completeCheckpoint(id, 2, 'SAVEPOINT', { endTime: 2_100 });
    const j = s.getJob(id)!;
    assert.equal(j.lastCheckpointId, 1);
    assert.equal(j.savepointPath, '/sp/savepoint-abc');
    assert.equal(s.latestCompletedCheckpoint(id)?.kind, 'SAVEPOINT');
    assert.equal(s.latestCompletedCheckpoint(id, { includeSavepoints: false })?.checkpointId, 1);
    assert.equal(s.findCheckpointByPath('/sp/savepoint-abc')?.checkpointId, 2);
    assert.equal(s.disposeCheckpointByPath('/sp/savepoint-abc'), 1);
    assert.equal(s.disposeCheckpointByPath('/sp/savepoint-abc'), 0);
    assert.deepEqual([s.getCheckpoint(id, 2, 'SAVEPOINT')?.status, s.getCheckpoint(id, 2, 'SAVEPOINT')?.discarded], ['COMPLETED', true]);
    assert.equal(s.latestCompletedCheckpoint(id)?.checkpointId, 1);
    assert.throws(() => s.insertCheckpoint({ jobId: id, checkpointId: 1, kind: 'CHECKPOINT', triggerTime: 1 }), MetadataError);
    assert.throws(() => s.insertCheckpoint({ jobId: newJobId(), checkpointId: 1, kind: 'CHECKPOINT', triggerTime: 1 }), JobNotFoundError);
    assert.throws(() => s.updateCheckpoint(id, 99, 'CHECKPOINT', { status: 'FAILED' }), MetadataError);
    s.close();
  });
});

describe('checkpoint statuses (schema version 2)', () => {
  it('a completed checkpoint that retention deleted stays COMPLETED, marked discarded, and is never the latest', () => {
    const s = open();
    const id = job(s);
    for (const n of [1, 2]) {
      s.insertCheckpoint({ jobId: id, checkpointId: n, kind: 'CHECKPOINT', triggerTime: n });
      s.completeCheckpoint(id, n, 'CHECKPOINT', { path: `/cp/chk-${n}` });
    }
    assert.equal(s.getCheckpoint(id, 1, 'CHECKPOINT')?.discarded, false);
    s.updateCheckpoint(id, 2, 'CHECKPOINT', { discarded: true });
    assert.deepEqual(s.listCheckpoints(id).map((c) => [c.checkpointId, c.status, c.discarded]), [[2, 'COMPLETED', true], [1, 'COMPLETED', false]]);
    assert.equal(s.latestCompletedCheckpoint(id)?.checkpointId, 1);
    s.close();
  });

  it('a version-1 database is migrated: DISPOSED rows become COMPLETED and discarded, nothing else changes', () => {
    const file = freshPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new BetterSqlite3(file);
    raw.exec(MIGRATIONS.find((m) => m.version === 1)!.sql);
    raw.pragma('user_version = 1');
    const id = newJobId();
    raw.prepare(`INSERT INTO jobs (job_id, name, job_file, status, start_time) VALUES (?, 'j', '/j.ts', 'FINISHED', 1)`).run(id);
    const insert = raw.prepare(
      `INSERT INTO checkpoints (job_id, checkpoint_id, kind, status, trigger_time, state_size, checkpointed_size, path, failure_reason) VALUES (?, ?, 'CHECKPOINT', ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(id, 1, 'DISPOSED', 10, 100, 100, '/cp/chk-1', null);
    insert.run(id, 2, 'COMPLETED', 20, 120, 30, '/cp/chk-2', null);
    insert.run(id, 3, 'FAILED', 30, null, null, null, 'expired');
    insert.run(id, 4, 'IN_PROGRESS', 40, null, null, '/cp/chk-4', null);
    raw.close();
    const s = MetadataStore.open(file);
    assert.deepEqual(
      s.listCheckpoints(id).map((c) => [c.checkpointId, c.status, c.discarded, c.stateSize, c.checkpointedSize, c.path, c.failureReason]),
      [
        [4, 'IN_PROGRESS', false, null, null, '/cp/chk-4', null],
        [3, 'FAILED', false, null, null, null, 'expired'],
        [2, 'COMPLETED', false, 120, 30, '/cp/chk-2', null],
        [1, 'COMPLETED', true, 100, 100, '/cp/chk-1', null],
      ],
    );
    assert.equal(s.latestCompletedCheckpoint(id)?.checkpointId, 2);
    assert.equal(s.findCheckpointByPath('/cp/chk-1')?.checkpointId, 1, 'the path index survives');
    s.close();
    assert.equal(userVersionOf(file), SCHEMA_VERSION);
  });
});

describe('commands', () => {
  it('queue, are taken once, and finish once', () => {
    const clock = new ManualClock(1_000);
    const s = open(clock);
    const id = job(s);
    const other = job(s);
    const c1 = s.submitCommand(id, 'savepoint', { dir: '/sp' });
    const c2 = s.submitCommand(id, 'cancel');
    s.submitCommand(other, 'checkpoint', { full: true });
    assert.equal(s.getCommand(c1)?.status, 'PENDING');
    clock.advance(5);
    const taken = s.takePendingCommands(id);
    assert.deepEqual(taken.map((c) => [c.id, c.kind, c.status, c.updated]), [[c1, 'savepoint', 'RUNNING', 1_005], [c2, 'cancel', 'RUNNING', 1_005]]);
    assert.deepEqual(taken[0]?.args, { dir: '/sp' });
    assert.deepEqual(s.takePendingCommands(id), []);
    assert.equal(s.completeCommand(c1, { path: '/sp/savepoint-1' }), true);
    assert.equal(s.failCommand(c1, 'too late'), false);
    assert.equal(s.failCommand(c2, 'job is finishing'), true);
    assert.deepEqual(s.getCommand(c1)?.result, { path: '/sp/savepoint-1' });
    assert.equal(s.getCommand(c2)?.error, 'job is finishing');
    assert.equal(s.getCommand(c2)?.status, 'FAILED');
    assert.equal(s.failOpenCommands(other, 'job ended'), 1);
    assert.equal(s.listCommands(other)[0]?.status, 'FAILED');
    assert.equal(s.getCommand(9999), undefined);
    assert.throws(() => s.submitCommand(newJobId(), 'cancel'), JobNotFoundError);
    s.close();
  });
});
