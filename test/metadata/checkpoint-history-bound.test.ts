import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ENDED_CHECKPOINTS_KEPT, MetadataStore } from '../../src/metadata/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { newJobId, type JobId } from '../../src/util/ids.js';
import { freshDbPaths } from './db-files.js';

const freshPath = freshDbPaths('flink-checkpoint-history-');

/**
 * A long-running job's life as its checkpoint recorder writes it (num-retained 1): each
 * checkpoint is triggered, completes and discards the one before; every 10th fails; every 100th
 * is a savepoint, which retention never deletes.
 */
function run(s: MetadataStore, jobId: JobId, cycles: number): { completed: number; failed: number; savepoints: number[] } {
  let lastCompleted: number | undefined;
  const out = { completed: 0, failed: 0, savepoints: [] as number[] };
  for (let id = 1; id <= cycles; id++) {
    const kind = id % 100 === 0 ? 'SAVEPOINT' : 'CHECKPOINT';
    s.insertCheckpoint({ jobId, checkpointId: id, kind, triggerTime: id * 1000, path: kind === 'SAVEPOINT' ? `/sp/savepoint-${id}` : undefined });
    if (id % 10 === 5) {
      s.updateCheckpoint(jobId, id, kind, { status: 'FAILED', endTime: id * 1000 + 10, failureReason: 'timeout' });
      out.failed++;
      continue;
    }
    s.completeCheckpoint(jobId, id, kind, kind === 'SAVEPOINT' ? { endTime: id * 1000 + 50 } : { path: `/cp/chk-${id}`, endTime: id * 1000 + 50 });
    out.completed++;
    if (kind === 'SAVEPOINT') {
      out.savepoints.push(id);
      continue;
    }
    if (lastCompleted !== undefined) s.updateCheckpoint(jobId, lastCompleted, 'CHECKPOINT', { discarded: true });
    lastCompleted = id;
  }
  return out;
}

describe('a long-running job\'s checkpoint history in flink.db', () => {
  it('keeps the newest ended checkpoints, every savepoint and every live checkpoint, and counts the rest', () => {
    const s = MetadataStore.open(freshPath(), { clock: new ManualClock(1_000) });
    const jobId = newJobId();
    s.createJob({ jobId, name: 'soak', jobFile: '/j.ts' });
    const cycles = ENDED_CHECKPOINTS_KEPT + 201; // the last one a checkpoint, not a savepoint
    const { completed, failed, savepoints } = run(s, jobId, cycles);

    const rows = s.listCheckpoints(jobId);
    const live = rows.filter((c) => c.kind === 'CHECKPOINT' && c.status === 'COMPLETED' && !c.discarded);
    assert.deepEqual(live.map((c) => c.checkpointId), [cycles]);
    assert.deepEqual(rows.filter((c) => c.kind === 'SAVEPOINT').map((c) => c.checkpointId).reverse(), savepoints);
    const ended = rows.filter((c) => c.kind === 'CHECKPOINT' && (c.status === 'FAILED' || c.discarded));
    assert.equal(ended.length, ENDED_CHECKPOINTS_KEPT);
    // The newest ones are the ones kept: no gap among them but the savepoints and the live one.
    const oldestKept = ended.at(-1)!.checkpointId;
    const expected = [];
    for (let id = cycles - 1; id >= oldestKept; id--) if (id % 100 !== 0) expected.push(id);
    assert.deepEqual(ended.map((c) => c.checkpointId), expected);

    // The counts span the job's whole life, as Flink's checkpoint statistics do.
    assert.deepEqual(s.checkpointCounts(jobId), { total: cycles, inProgress: 0, completed, failed });
    assert.equal(s.latestCompletedCheckpoint(jobId, { includeSavepoints: false })?.checkpointId, cycles);
    assert.equal(s.findCheckpointByPath('/sp/savepoint-100')?.checkpointId, 100);
    s.close();
  });

  it('bounds a job\'s rows when an ended job is brought level with its directory too', () => {
    const s = MetadataStore.open(freshPath(), { clock: new ManualClock(1_000) });
    const jobId = newJobId();
    s.createJob({ jobId, name: 'soak', jobFile: '/j.ts' });
    // Completed checkpoints a crashed job never marked discarded, found deleted on disk at once.
    const n = ENDED_CHECKPOINTS_KEPT + 50;
    for (let id = 1; id <= n; id++) {
      s.insertCheckpoint({ jobId, checkpointId: id, kind: 'CHECKPOINT', triggerTime: id });
      s.completeCheckpoint(jobId, id, 'CHECKPOINT', { path: `/cp/chk-${id}`, endTime: id + 1 });
    }
    const discarded = [];
    for (let id = 1; id < n; id++) discarded.push(`/cp/chk-${id}`);
    s.reconcileCheckpoints(jobId, { completed: [], discarded, restoreProblems: [], failed: [], failedReason: 'ended', failedAt: n + 5 });
    assert.equal(s.listCheckpoints(jobId).length, ENDED_CHECKPOINTS_KEPT + 1);
    assert.deepEqual(s.checkpointCounts(jobId), { total: n, inProgress: 0, completed: n, failed: 0 });
    assert.equal(s.latestCompletedCheckpoint(jobId)?.checkpointId, n);
    s.close();
  });

  it('leaves other jobs\' rows alone', () => {
    const s = MetadataStore.open(freshPath(), { clock: new ManualClock(1_000) });
    const a = newJobId();
    const b = newJobId();
    s.createJob({ jobId: a, name: 'a', jobFile: '/a.ts' });
    s.createJob({ jobId: b, name: 'b', jobFile: '/b.ts' });
    for (let id = 1; id <= 20; id++) {
      s.insertCheckpoint({ jobId: b, checkpointId: id, kind: 'CHECKPOINT', triggerTime: id });
      s.updateCheckpoint(b, id, 'CHECKPOINT', { status: 'FAILED', endTime: id + 1 });
    }
    run(s, a, ENDED_CHECKPOINTS_KEPT + 20);
    assert.equal(s.listCheckpoints(b).length, 20);
    assert.deepEqual(s.checkpointCounts(b), { total: 20, inProgress: 0, completed: 0, failed: 20 });
    s.close();
  });
});
