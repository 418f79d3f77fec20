/*
 * `flink run -s <from>`, as the launcher resolves it before anything starts: a job id (prefix)
 * means that job's newest restorable snapshot, found where the job recorded its checkpoints
 * (else the configured directory); a path is taken as it is; and either way a job that still
 * runs is not restored a second time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, checkpointDir, encodeMetadata } from '../../src/checkpoint/index.js';
import { prepareRestore } from '../../src/cluster/job-launch.js';
import { ownProcess, processStartTime } from '../../src/cluster/job-process.js';
import { Configuration } from '../../src/config/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { IllegalJobStateError, SnapshotRestoreError } from '../../src/util/errors.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';

let home: { path: string; cleanup: () => void };
let store: MetadataStore;
let config: Configuration;
const logs: string[] = [];
const log = (line: string) => logs.push(line);

beforeEach(() => {
  home = tempDir('flink-launch-');
  store = MetadataStore.open(join(home.path, 'flink.db'));
  config = new Configuration(home.path).with('execution.checkpointing.dir', join(home.path, 'configured'));
  logs.length = 0;
});
afterEach(() => {
  store.close();
  home.cleanup();
});

/** A job that ended (its process gone) with its checkpoints under `dir`, if given. */
function endedJob(dir?: string): JobId {
  const jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts', config: dir ? { 'execution.checkpointing.dir': dir } : {} });
  store.transitionJob(jobId, 'RUNNING');
  store.transitionJob(jobId, 'CANCELLING');
  store.transitionJob(jobId, 'CANCELED');
  return jobId;
}

function snapshot(base: string, jobId: string, id: number): string {
  const dir = checkpointDir(base, jobId, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, '_metadata'),
    encodeMetadata({ magic: SNAPSHOT_MAGIC, formatVersion: SNAPSHOT_FORMAT_VERSION, jobId, jobName: 'j', checkpointId: id, kind: 'CHECKPOINT', timestamp: id, operators: [] }),
  );
  return dir;
}

describe('prepareRestore', () => {
  test("a job id: the newest checkpoint in the job's recorded checkpoint directory", async () => {
    const recordedDir = join(home.path, 'recorded');
    const jobId = endedJob(recordedDir);
    snapshot(recordedDir, jobId, 9);
    const ten = snapshot(recordedDir, jobId, 10);
    const restored = await prepareRestore(store, jobId.slice(0, 8), config, log);
    assert.equal(restored.snapshot.dir, ten);
    assert.deepEqual(restored.jobsAbandoned, [], 'a job restored from a snapshot of its own abandons nothing');
    assert.deepEqual(logs, []);
  });

  test('a job id of a restored job that ended before a checkpoint of its own: the snapshot it was restored from, not a fresh start', async () => {
    const first = endedJob();
    const five = snapshot(join(home.path, 'configured'), first, 5);
    // Restored from checkpoint 5, then killed before its first checkpoint completed.
    const second = newJobId();
    store.createJob({ jobId: second, name: 'j', jobFile: '/j.ts', restoredFrom: five });
    store.transitionJob(second, 'RUNNING');
    store.transitionJob(second, 'CANCELLING');
    store.transitionJob(second, 'CANCELED');
    const prepared = await prepareRestore(store, second, config, log);
    assert.equal(prepared.snapshot.dir, five);
    // It can never commit what it staged: the sinks' restore drops it.
    assert.deepEqual(prepared.jobsAbandoned, [second]);
    // -s of the snapshot's path (or of the job that wrote it): nobody is abandoned.
    assert.deepEqual((await prepareRestore(store, five, config, log)).jobsAbandoned, []);
    // One that triggered a savepoint, never recorded as completed (killed as it was published,
    // somewhere only its user knows): that savepoint may name what it staged, so it is kept.
    const third = newJobId();
    store.createJob({ jobId: third, name: 'j', jobFile: '/j.ts', restoredFrom: five });
    store.transitionJob(third, 'RUNNING');
    store.insertCheckpoint({ jobId: third, checkpointId: 6, kind: 'SAVEPOINT', triggerTime: 6, path: join(home.path, 'savepoints', 'savepoint-6') });
    store.transitionJob(third, 'CANCELLING');
    store.transitionJob(third, 'CANCELED');
    const withSavepoint = await prepareRestore(store, third, config, log);
    assert.equal(withSavepoint.snapshot.dir, five);
    assert.deepEqual(withSavepoint.jobsAbandoned, []);
    logs.length = 0;
    assert.deepEqual((await prepareRestore(store, second, config, log)).jobsAbandoned, [second]);
    assert.deepEqual(logs, [`Job ${second} has no completed checkpoint or savepoint of its own: restoring the snapshot it was restored from, ${five}.`]);
    // That snapshot gone too: refused naming both, never a fresh start.
    rmSync(five, { recursive: true });
    await assert.rejects(prepareRestore(store, second, config, log), (err: unknown) => err instanceof SnapshotRestoreError && err.message.startsWith(`Job ${second} has no completed checkpoint or savepoint of its own, and the snapshot it was restored from cannot be restored: `) && err.message.includes(five));
    // A job that was not restored and has no snapshot: nothing to restore, as before.
    await assert.rejects(prepareRestore(store, first, config, log), /has no completed checkpoint or savepoint to restore from; run the job file without -s/);
  });

  test('a restored job whose sinks committed past its snapshot (a checkpoint of its own, since discarded; or finished) is refused, not restored from that snapshot', async () => {
    const first = endedJob();
    const five = snapshot(join(home.path, 'configured'), first, 5);
    const restoredJob = (end: 'CANCELED' | 'FINISHED') => {
      const id = newJobId();
      store.createJob({ jobId: id, name: 'j', jobFile: '/j.ts', restoredFrom: five });
      store.transitionJob(id, 'RUNNING');
      if (end === 'CANCELED') store.transitionJob(id, 'CANCELLING');
      store.transitionJob(id, end);
      return id;
    };
    // Completed checkpoint 6 (its sinks committed up to it), then cancelled with the checkpoint deleted.
    const cancelled = restoredJob('CANCELED');
    store.insertCheckpoint({ jobId: cancelled, checkpointId: 6, kind: 'CHECKPOINT', triggerTime: 6 });
    store.completeCheckpoint(cancelled, 6, 'CHECKPOINT', { path: join(home.path, 'gone', 'chk-6'), endTime: 7 });
    store.disposeCheckpointByPath(join(home.path, 'gone', 'chk-6'));
    // Finished without a checkpoint: its sinks committed everything at the end of input.
    const finished = restoredJob('FINISHED');
    for (const id of [cancelled, finished]) {
      await assert.rejects(prepareRestore(store, id, config, log), /has no completed checkpoint or savepoint to restore from; run the job file without -s/);
    }
    assert.deepEqual(logs, []);
  });

  test('a job record without a checkpoint directory: the configured one', async () => {
    const jobId = endedJob();
    const one = snapshot(join(home.path, 'configured'), jobId, 1);
    assert.equal((await prepareRestore(store, jobId, config, log)).snapshot.dir, one);
  });

  test('a path is taken as it is', async () => {
    const jobId = endedJob();
    const dir = snapshot(join(home.path, 'elsewhere'), jobId, 3);
    assert.equal((await prepareRestore(store, join(dir, '_metadata'), config, log)).snapshot.dir, dir);
  });

  test('the snapshot of a job that still runs (this process, heartbeat fresh) is refused, by id or by path', async () => {
    const jobId = newJobId();
    const me = ownProcess();
    store.createJob({ jobId, name: 'j', jobFile: '/j.ts' });
    store.acquireJob(jobId, { pid: me.pid, pidStart: me.startTime, heartbeat: Date.now() });
    store.transitionJob(jobId, 'RUNNING');
    const dir = snapshot(join(home.path, 'configured'), jobId, 1);
    for (const from of [jobId, dir]) {
      await assert.rejects(prepareRestore(store, from, config, log), (err: unknown) => err instanceof IllegalJobStateError && /is still RUNNING in process/.test(err.message));
    }
    assert.equal(store.getJob(jobId)?.status, 'RUNNING');
  });

  test('a snapshot of a job this home does not know: restored once at a time, as a known job is', async () => {
    const foreign = newJobId(); // its job ran under another home: no row here
    const dir = snapshot(join(home.path, 'copied'), foreign, 4);
    // The first restore of it is another process (a live one), now running as job `first`.
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const them = { pid: other.pid!, pidStart: processStartTime(other.pid!) };
      const first = newJobId();
      store.createJob({ jobId: first, name: 'j', jobFile: '/j.ts' });
      store.acquireJob(first, { ...them, heartbeat: Date.now() });
      store.transitionJob(first, 'RUNNING');
      assert.ok(store.claimContinuation(foreign, store.continuation(foreign), { job: first, ...them }));
      await assert.rejects(
        prepareRestore(store, dir, config, log, newJobId()),
        (err: unknown) => err instanceof IllegalJobStateError && err.message.includes(`Job ${foreign} is already being continued by job ${first}`) && /is still RUNNING in process/.test(err.message),
      );
      // Once that continuation has ended, the snapshot may be restored again: this process claims it.
      store.transitionJob(first, 'CANCELLING');
      store.transitionJob(first, 'CANCELED');
      const second = newJobId();
      assert.equal((await prepareRestore(store, dir, config, log, second)).snapshot.dir, dir);
      assert.deepEqual(store.continuation(foreign), { job: second, pid: process.pid, pidStart: ownProcess().startTime });
      assert.equal(store.getJob(foreign), undefined, 'the foreign job gets no job row');
    } finally {
      other.kill('SIGKILL');
    }
  });

  test('the first restore of a snapshot of a job this home does not know claims it (one row, one winner)', async () => {
    const foreign = newJobId();
    const dir = snapshot(join(home.path, 'copied'), foreign, 2);
    const mine = newJobId();
    assert.equal((await prepareRestore(store, dir, config, log, mine)).snapshot.dir, dir);
    assert.deepEqual(store.continuation(foreign), { job: mine, pid: process.pid, pidStart: ownProcess().startTime });
    // Another claimant that saw nobody (a race lost): its compare-and-set fails.
    assert.equal(store.claimContinuation(foreign, { job: null, pid: null, pidStart: null }, { job: newJobId(), pid: 1, pidStart: 1 }), false);
    assert.equal(store.continuation(foreign).job, mine);
  });
});
