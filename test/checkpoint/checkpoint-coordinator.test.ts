import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointFailedError, CheckpointFailureReason } from '../../src/checkpoint/checkpoint-failure.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type SnapshotMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import { FakeTarget, ack, ackAll, flush, handle, rejection, restoredWith, setup } from './coordinator-harness.js';

describe('CheckpointCoordinator', () => {
  test('periodic checkpoints are triggered every interval with ids 1, 2, 3 and the job settings', async () => {
    const { timers, target, coordinator, stats } = setup();
    coordinator.startPeriodic();
    await timers.advance(999);
    assert.equal(target.triggered.length, 0);
    await timers.advance(1);
    assert.deepEqual(target.triggered, [{ id: 1, timestamp: 1000, options: { isSavepoint: false, aligned: true, full: false } }]);
    await ackAll(coordinator, 1);
    await timers.advanceTo(2000);
    await ackAll(coordinator, 2);
    await timers.advanceTo(3000);
    await ackAll(coordinator, 3);
    assert.deepEqual(target.ids, [1, 2, 3]);
    assert.deepEqual(
      target.triggered.map((t) => t.timestamp),
      [1000, 2000, 3000],
    );
    assert.deepEqual(target.notified, [1, 2, 3]);
    assert.equal(stats.events[0], 'triggered 1 CHECKPOINT @1000 /ckpt/job/chk-1');
  });

  test('ids continue after the restored checkpoint (firstCheckpointId)', async () => {
    const { timers, target, coordinator, storage } = setup({}, { firstCheckpointId: 8 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await ackAll(coordinator, 8);
    await timers.advanceTo(2000);
    assert.deepEqual(target.ids, [8, 9]);
    assert.deepEqual(
      storage.initialized.map((i) => i.id),
      [8, 9],
    );
    assert.equal(storage.finalized[0]!.metadata.checkpointId, 8);
  });

  test('completes only after every task acknowledged; publishes _metadata, notifies, records stats', async () => {
    const { clock, coordinator, storage, target, stats, store } = setup({ interval: undefined });
    clock.set(500);
    const done = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await flush();
    clock.set(700);
    // Subtask 1 of 'a' is incremental: its keyed state is a chain of a base (100 B) and a delta (7 B),
    // the base held by the snapshot the job was restored from and claimed.
    const chain = [{ file: 'base', size: 100, checksum: 'cd'.repeat(32) }, { file: 'delta', size: 7, checksum: 'ef'.repeat(32) }];
    await store.claim(restoredWith('base'));
    coordinator.acknowledge(ack(1, 1, { handles: [handle('b', 1), { ...handle('a', 1), sharedState: chain }], syncMs: 3, alignmentMs: 7 }));
    coordinator.acknowledge(ack(1, 1, { handles: [handle('b', 1), handle('a', 1)], syncMs: 99, alignmentMs: 99 })); // a duplicate: ignored
    coordinator.acknowledge(ack(1, 0, { handles: [handle('b', 0), handle('a', 0)], asyncMs: 40, maxPauseMs: 5 }));
    coordinator.acknowledge(ack(99, 2)); // an unknown checkpoint
    await flush();
    assert.equal(storage.finalized.length, 0, 'two of three tasks acknowledged: not complete');
    assert.equal(coordinator.pendingCount, 1);
    coordinator.acknowledge(ack(1, 2));
    const c = await done;

    assert.equal(storage.finalized.length, 1);
    const m = storage.finalized[0]!.metadata;
    assert.equal(m.magic, SNAPSHOT_MAGIC);
    assert.equal(m.formatVersion, SNAPSHOT_FORMAT_VERSION);
    assert.equal(m.jobId, 'job-1');
    assert.equal(m.jobName, 'the job');
    assert.equal(m.checkpointId, 1);
    assert.equal(m.kind, 'CHECKPOINT');
    assert.equal(m.timestamp, 500);
    // Handles are grouped by operator uid, subtasks in order.
    assert.deepEqual(
      m.operators.map((o) => [o.uid, o.parallelism, o.subtasks.map((h) => h.subtask)]),
      [
        ['b', 2, [0, 1]],
        ['a', 2, [0, 1]],
      ],
    );
    assert.equal(c.checkpointId, 1);
    assert.equal(c.path, '/ckpt/job/chk-1');
    assert.equal(c.triggerTime, 500);
    assert.equal(c.completedAt, 700);
    // All the state it stands for (4 files of 10 B and the whole chain), and what it wrote (4 files and the delta).
    assert.equal(c.stateSize, 147);
    assert.equal(c.checkpointedSize, 47);
    assert.deepEqual(target.notified, [1]);
    assert.deepEqual(stats.completedStats, [{ syncMs: 3, asyncMs: 40, alignmentMs: 7, maxPauseMs: 5 }]);
    assert.deepEqual(stats.events, ['triggered 1 CHECKPOINT @500 /ckpt/job/chk-1', 'completed 1 @700']);
    assert.equal(store.latest()?.checkpointId, 1);
    assert.equal(coordinator.pendingCount, 0);
    // A late ack of a completed checkpoint changes nothing.
    coordinator.acknowledge(ack(1, 0));
    await flush();
    assert.equal(storage.finalized.length, 1);
  });

  test('a checkpoint building on a shared file retention already deleted is aborted, never published (a fence)', async () => {
    const { coordinator, storage, store } = setup({ interval: undefined }, { numRetained: 1 });
    const ref = (file: string) => ({ file, size: 10, checksum: 'ab'.repeat(32) });
    const take = async (id: number, chain: ReturnType<typeof ref>[]) => {
      const done = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
      await flush();
      coordinator.acknowledge(ack(id, 0, { handles: [{ ...handle('a', 0, 1), sharedState: chain }] }));
      coordinator.acknowledge(ack(id, 1));
      coordinator.acknowledge(ack(id, 2));
      return done;
    };
    await take(1, [ref('base-1')]);
    await take(2, [ref('base-2')]); // a new base: checkpoint 1 and base-1 are deleted
    const err = await rejection(take(3, [ref('base-1'), ref('delta-3')]));
    assert.match(err.reason, new RegExp(`^${CheckpointFailureReason.SHARED_STATE_DISCARDED}: base-1$`));
    assert.deepEqual(storage.finalized.map((f) => f.id), [1, 2], 'never published');
    assert.ok(storage.discarded.includes(3), 'its directory (and what it wrote) deleted');
    assert.equal(store.latest()?.checkpointId, 2);
    // Building on what is retained is fine.
    const ok = await take(4, [ref('base-2'), ref('delta-4')]);
    assert.equal(ok.checkpointId, 4);
  });

  test('retention: with num-retained 2 the third completion discards the first', async () => {
    const { coordinator, store, storeDiscarded } = setup({ interval: undefined }, { numRetained: 2 });
    for (const id of [1, 2]) {
      const p = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
      await ackAll(coordinator, id);
      await p;
    }
    assert.deepEqual(storeDiscarded, []);
    const p3 = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 3);
    await p3;
    assert.deepEqual(storeDiscarded, [1]);
    assert.deepEqual(
      store.all().map((c) => c.checkpointId),
      [2, 3],
    );
  });

  test('min-pause delays the next periodic trigger relative to the last completion', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, minPause: 1500 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    assert.deepEqual(target.ids, [1]);
    await timers.advanceTo(1200);
    await ackAll(coordinator, 1); // completed at 1200
    await timers.advanceTo(2699);
    assert.deepEqual(target.ids, [1], 'the tick at 2000 waits for 1200 + 1500');
    await timers.advanceTo(2700);
    assert.deepEqual(target.triggered.map((t) => [t.id, t.timestamp]), [
      [1, 1000],
      [2, 2700],
    ]);
    await ackAll(coordinator, 2); // completed at 2700
    await timers.advanceTo(4199);
    assert.deepEqual(target.ids, [1, 2], 'next tick at 3700 waits until 4200');
    await timers.advanceTo(4200);
    assert.deepEqual(target.triggered.at(-1), { id: 3, timestamp: 4200, options: { isSavepoint: false, aligned: true, full: false, latestCompleted: 2 } });
  });

  test('min-pause counts from the last completion only: a failed checkpoint does not delay the next (as in Flink)', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, minPause: 1500 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await timers.advanceTo(1200);
    coordinator.decline(1, 0, 'no'); // failed at 1200
    await timers.advanceTo(2000);
    assert.deepEqual(target.triggered.map((t) => [t.id, t.timestamp]), [
      [1, 1000],
      [2, 2000],
    ]);
  });

  test('a directory that never gets created (a hanging disk) does not block: the checkpoint expires, and the directory is deleted if it appears', async () => {
    const { timers, target, coordinator, storage, stats } = setup({ interval: undefined, timeout: 5000 });
    let release!: () => void;
    storage.hangInit = new Promise<void>((r) => (release = r));
    const failed = rejection(coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/proc/foo' }));
    await timers.advanceTo(5000);
    assert.equal((await failed).reason, CheckpointFailureReason.EXPIRED);
    assert.deepEqual(target.triggered, [], 'the tasks were never asked');
    assert.equal(coordinator.pendingCount, 0);
    assert.deepEqual(stats.failures.map((f) => f.id), [1]);
    assert.deepEqual(storage.discarded, [], 'nothing to delete yet');
    release();
    await flush();
    assert.deepEqual(storage.discarded, [1], 'created after all: deleted at once');
    assert.deepEqual(target.triggered, []);
    assert.ok(!stats.events.some((e) => e.startsWith('triggered')));
  });

  test('max-concurrent 1 skips a periodic trigger while one is pending; no id is used up', async () => {
    const { timers, target, coordinator, stats } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await timers.advanceTo(2000);
    assert.deepEqual(target.ids, [1], 'the tick at 2000 is skipped');
    await timers.advanceTo(2500);
    await ackAll(coordinator, 1);
    await timers.advanceTo(3000);
    assert.deepEqual(target.ids, [1, 2]);
    assert.deepEqual(stats.failures, []);
  });

  test('max-concurrent 2 allows two in flight', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 2 });
    coordinator.startPeriodic();
    await timers.advanceTo(3000);
    assert.deepEqual(target.ids, [1, 2]);
    assert.equal(coordinator.pendingCount, 2);
  });

  test('a completed checkpoint subsumes older pending ones (not savepoints), which are aborted without counting as failures', async () => {
    const { target, coordinator, storage, stats, tooMany } = setup({ maxConcurrent: 5, tolerableFailures: 0 });
    const first = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    const savepoint = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    const third = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 3);
    assert.equal((await third).checkpointId, 3);
    assert.match((await first).reason, /subsumed/);
    assert.deepEqual(target.aborted, [1]);
    assert.ok(storage.discarded.includes(1));
    assert.deepEqual(tooMany, []);
    assert.ok(stats.failures.some((f) => f.id === 1 && /subsumed/.test(f.reason)));
    await ackAll(coordinator, 2);
    assert.equal((await savepoint).checkpointId, 2, 'the savepoint still completes');
  });

  test("a stop's suspension (Flink's stopCheckpointScheduler): no periodic or manual checkpoint until resumed; those in flight are aborted uncounted; savepoints and the final checkpoint go on", async () => {
    const { timers, target, coordinator, stats, tooMany } = setup({ interval: 1000, maxConcurrent: 1, tolerableFailures: 0 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    assert.deepEqual(target.ids, [1]);
    const queued = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    const inFlight = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT', periodic: true }).then(() => undefined));
    await flush();
    coordinator.suspendPeriodic();
    assert.equal((await queued).reason, CheckpointFailureReason.COORDINATOR_SUSPENDED, 'a queued manual checkpoint is refused');
    assert.ok([1, 2].every((id) => target.aborted.includes(id)), `aborted: ${target.aborted.join(',')}`);
    assert.equal((await inFlight).reason, CheckpointFailureReason.COORDINATOR_SUSPENDED);
    assert.deepEqual(tooMany, [], 'not counted as failures');
    await timers.advanceTo(5000);
    assert.deepEqual(target.ids, [1, 2], 'no periodic trigger while suspended');
    const manual = await rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    assert.equal(manual.reason, CheckpointFailureReason.COORDINATOR_SUSPENDED);
    // The stop's savepoint is taken, and a bounded job's final checkpoint too.
    const savepoint = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT_TERMINATE', savepointDir: '/sp' });
    await ackAll(coordinator, 3);
    assert.equal((await savepoint).checkpointId, 3);
    const final = coordinator.triggerFinalCheckpoint();
    await ackAll(coordinator, 4);
    await final;
    // Resumed (the stop failed): periodic checkpoints again, the first an interval later.
    coordinator.resumePeriodic();
    await timers.advance(999);
    assert.deepEqual(target.ids, [1, 2, 3, 4]);
    await timers.advance(1);
    assert.deepEqual(target.ids, [1, 2, 3, 4, 5]);
    assert.ok(stats.failures.every((f) => f.reason === CheckpointFailureReason.COORDINATOR_SUSPENDED));
  });

  test('timeout: the checkpoint expires, is aborted and discarded, and the promise rejects', async () => {
    const { timers, target, coordinator, storage, stats } = setup({ interval: undefined, timeout: 5000 });
    await timers.advanceTo(1000);
    const p = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    const failed = rejection(p);
    coordinator.acknowledge(ack(1, 0));
    await timers.advanceTo(5999);
    assert.deepEqual(target.aborted, []);
    await timers.advanceTo(6000);
    const err = await failed;
    assert.equal(err.checkpointId, 1);
    assert.equal(err.reason, CheckpointFailureReason.EXPIRED);
    assert.deepEqual(target.aborted, [1]);
    assert.deepEqual(storage.discarded, [1]);
    assert.deepEqual(stats.failures, [{ id: 1, reason: CheckpointFailureReason.EXPIRED, endTime: 6000 }]);
    // Late acks of the expired checkpoint do not complete it.
    coordinator.acknowledge(ack(1, 1));
    coordinator.acknowledge(ack(1, 2));
    await flush();
    assert.deepEqual(storage.finalized, []);
    assert.deepEqual(target.notified, []);
  });

  test('a completed checkpoint does not expire later', async () => {
    const { timers, target, coordinator, storage } = setup({ interval: undefined, timeout: 5000 });
    const p = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 1);
    await p;
    assert.equal(timers.live, 0, 'the timeout is cancelled');
    await timers.advance(10_000);
    assert.deepEqual(target.aborted, []);
    assert.deepEqual(storage.discarded, []);
  });

  test('a decline aborts the checkpoint with the task and its reason', async () => {
    const { coordinator, target, storage, stats, timers } = setup({ interval: undefined });
    const failed = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    coordinator.acknowledge(ack(1, 0));
    coordinator.decline(1, 2, 'disk on fire');
    const err = await failed;
    assert.match(err.reason, new RegExp(`^${CheckpointFailureReason.TASK_DECLINED} \\(task 2\\): disk on fire$`));
    assert.deepEqual(target.aborted, [1]);
    assert.deepEqual(storage.discarded, [1]);
    assert.equal(stats.failures.length, 1);
    assert.equal(coordinator.pendingCount, 0);
    assert.equal(timers.live, 0, 'the timeout is cancelled');
    // The remaining acks change nothing.
    coordinator.acknowledge(ack(1, 1));
    coordinator.acknowledge(ack(1, 2));
    await flush();
    assert.deepEqual(storage.finalized, []);
  });

  test('tolerable failures: with 1 tolerated, the 2nd consecutive periodic failure fails the job', async () => {
    const { timers, coordinator, tooMany } = setup({ interval: 1000, tolerableFailures: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    coordinator.decline(1, 0, 'no');
    await flush();
    assert.deepEqual(tooMany, []);
    await timers.advanceTo(2000);
    coordinator.decline(2, 0, 'no again');
    await flush();
    assert.equal(tooMany.length, 1);
    assert.match(tooMany[0]!, /Exceeded checkpoint tolerable failure threshold \(1\)/);
    assert.match(tooMany[0]!, /no again/);
  });

  test('tolerable failures: a success in between resets the count', async () => {
    const { timers, coordinator, tooMany, target } = setup({ interval: 1000, tolerableFailures: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    coordinator.decline(1, 0, 'no');
    await timers.advanceTo(2000);
    await ackAll(coordinator, 2);
    await timers.advanceTo(3000);
    coordinator.decline(3, 1, 'no');
    await flush();
    assert.deepEqual(tooMany, [], 'failure, success, failure: never two in a row');
    await timers.advanceTo(4000);
    coordinator.decline(4, 1, 'no');
    await flush();
    assert.equal(tooMany.length, 1);
    assert.deepEqual(target.ids, [1, 2, 3, 4]);
  });

  test('tolerable failures: expiries count like declines', async () => {
    const { timers, coordinator, tooMany } = setup({ interval: 1000, timeout: 500, tolerableFailures: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(2500); // 1 expires at 1500, 2 at 2500
    assert.equal(tooMany.length, 1);
    assert.match(tooMany[0]!, /expired/);
  });

  test('an expiry whose trigger still waited for the tasks to start is not counted (Flink refuses such a trigger pre-flight)', async () => {
    const { timers, coordinator, tooMany, target, stats } = setup({ interval: 1000, timeout: 500, tolerableFailures: 0 });
    target.held.add(1);
    target.held.add(2);
    coordinator.startPeriodic();
    await timers.advanceTo(2500); // 1 expires at 1500, 2 at 2500, both still held
    assert.deepEqual(tooMany, []);
    assert.deepEqual(target.aborted, [1, 2], 'the run hears of both: it drops their held triggers');
    assert.deepEqual(stats.failures.map((f) => f.reason), [CheckpointFailureReason.EXPIRED_BEFORE_RUNNING, CheckpointFailureReason.EXPIRED_BEFORE_RUNNING]);
    target.held.clear();
    await timers.advanceTo(3500); // 3 reached the tasks and expires: counted
    assert.equal(tooMany.length, 1);
    assert.match(tooMany[0]!, /expired before completing\.$/);
  });

  test('manual checkpoints count toward tolerable failures like periodic ones; savepoints never (Flink: handleJobLevelCheckpointException skips savepoints only)', async () => {
    const { coordinator, tooMany, storage } = setup({ interval: undefined, tolerableFailures: 2 });
    const s1 = rejection(coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' }));
    coordinator.decline(1, 0, 'no');
    await s1;
    const f2 = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    coordinator.decline(2, 0, 'no');
    await f2;
    const f3 = rejection(coordinator.triggerCheckpoint({ kind: 'FULL_CHECKPOINT' }));
    coordinator.decline(3, 0, 'no');
    await f3;
    await flush();
    assert.deepEqual(tooMany, [], 'two checkpoint failures are within the 2 tolerated; the savepoint did not count');
    storage.failInit = new Error('ENOSPC: no space left on device');
    await rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await flush();
    assert.equal(tooMany.length, 1, 'the third consecutive checkpoint failure fails the job');
    assert.match(tooMany[0]!, /ENOSPC/);
  });

  test('initializeLocation throwing (disk full) fails that checkpoint with a reason and counts as a failure', async () => {
    const { coordinator, storage, target, stats, tooMany, timers } = setup({ interval: 1000, tolerableFailures: 1 });
    storage.failInit = new Error('ENOSPC: no space left on device, mkdir /ckpt/job/chk-1');
    const err = await rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    assert.equal(err.checkpointId, 1);
    assert.match(err.reason, new RegExp(`^${CheckpointFailureReason.IO_EXCEPTION}: ENOSPC: no space left on device`));
    assert.match(err.message, /^Checkpoint 1 failed: /);
    assert.equal(target.triggered.length, 0, 'the tasks are never asked');
    assert.deepEqual(stats.failures.map((f) => f.id), [1]);
    assert.match(stats.failures[0]!.reason, /ENOSPC/);
    assert.equal(coordinator.pendingCount, 0);
    assert.deepEqual(tooMany, [], 'one failure is within the 1 tolerated');

    // A second one in a row (periodic or not) is not.
    storage.failInit = new Error('EACCES: permission denied, mkdir /ckpt/job/chk-2');
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    assert.equal(tooMany.length, 1);
    assert.match(tooMany[0]!, /EACCES: permission denied/);
    assert.deepEqual(stats.failures.map((f) => f.id), [1, 2]);

    // Once the disk is back, checkpoints work again, with the next id.
    storage.failInit = undefined;
    await timers.advanceTo(2000);
    assert.deepEqual(target.ids, [3]);
  });

  test('finalize throwing aborts: no _metadata, no notification, not retained', async () => {
    const { coordinator, storage, target, stats, store } = setup({ interval: undefined });
    storage.failFinalize = new Error('EIO: i/o error, write');
    const failed = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await ackAll(coordinator, 1);
    const err = await failed;
    assert.match(err.reason, new RegExp(`^${CheckpointFailureReason.IO_EXCEPTION}: EIO: i/o error, write$`));
    assert.deepEqual(target.aborted, [1]);
    assert.deepEqual(storage.discarded, [1]);
    assert.deepEqual(target.notified, []);
    assert.deepEqual(stats.completedStats, []);
    assert.equal(stats.failures.length, 1);
    assert.equal(store.latest(), undefined);
    assert.equal(coordinator.pendingCount, 0);
  });

  test('a periodic finalize failure counts toward tolerable failures', async () => {
    const { coordinator, storage, timers, tooMany } = setup({ interval: 1000, tolerableFailures: 0 });
    storage.failFinalize = new Error('EIO');
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await ackAll(coordinator, 1);
    assert.equal(tooMany.length, 1);
  });

  test('a hanging finalize keeps the checkpoint in flight (max-concurrent holds back the next)', async () => {
    const { coordinator, storage, timers, target } = setup({ interval: 1000, timeout: 5000 });
    let release!: () => void;
    storage.hang = new Promise<void>((r) => (release = r));
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await ackAll(coordinator, 1);
    await timers.advanceTo(3000);
    assert.deepEqual(target.ids, [1]);
    assert.equal(coordinator.pendingCount, 1);
    release();
    await flush();
    assert.deepEqual(target.notified, [1]);
    await timers.advanceTo(4000);
    assert.deepEqual(target.ids, [1, 2]);
  });

  test('shutdown aborts what is pending without counting failures, and stops ticks', async () => {
    const { coordinator, timers, target, storage, stats, tooMany } = setup({ interval: 1000, tolerableFailures: 0, maxConcurrent: 5 });
    coordinator.startPeriodic();
    await timers.advanceTo(2000);
    const manual = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await flush();
    assert.deepEqual(target.ids, [1, 2, 3]);
    coordinator.shutdown();
    const err = await manual;
    assert.equal(err.reason, CheckpointFailureReason.JOB_ENDED);
    assert.deepEqual([...target.aborted].sort(), [1, 2, 3]);
    assert.deepEqual([...storage.discarded].sort(), [1, 2, 3]);
    assert.deepEqual(
      stats.failures.map((f) => f.reason),
      [CheckpointFailureReason.JOB_ENDED, CheckpointFailureReason.JOB_ENDED, CheckpointFailureReason.JOB_ENDED],
    );
    assert.deepEqual(tooMany, []);
    assert.equal(timers.live, 0, 'no tick and no timeout left');
    await timers.advance(10_000);
    assert.deepEqual(target.ids, [1, 2, 3]);
    // Nothing can be triggered any more.
    const after = await rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    assert.equal(after.checkpointId, undefined);
    assert.equal(after.reason, CheckpointFailureReason.NOT_RUNNING);
    // Acks arriving after shutdown complete nothing.
    for (let t = 0; t < 3; t++) coordinator.acknowledge(ack(1, t));
    await flush();
    assert.deepEqual(storage.finalized, []);
  });

  test('shutdown while _metadata is being written: the aborted checkpoint never turns complete', async () => {
    // An abort while finalize runs must neither delete the directory under the write (it races
    // the rename) nor let the checkpoint turn complete afterwards: it is deleted once the write
    // settles, and never reported completed or retained.
    const { coordinator, storage, stats, store } = setup({ interval: undefined });
    let release!: () => void;
    storage.hang = new Promise<void>((r) => (release = r));
    const failed = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await ackAll(coordinator, 1);
    coordinator.shutdown();
    const err = await failed;
    assert.equal(err.reason, CheckpointFailureReason.JOB_ENDED);
    assert.deepEqual(storage.discarded, [], 'not deleted while _metadata is being written');
    release();
    await flush();
    await flush();
    assert.deepEqual(
      stats.events.filter((e) => e.startsWith('completed')),
      [],
      'a checkpoint reported failed (and discarded) must not be reported completed as well',
    );
    assert.equal(store.latest(), undefined, 'a discarded checkpoint must not be retained');
  });

  test('finalize failing after the checkpoint was aborted: its directory is deleted once the write settles', async () => {
    const { coordinator, storage } = setup({ interval: undefined });
    let release!: () => void;
    storage.hang = new Promise<void>((r) => (release = r));
    storage.failFinalize = new Error('ENOSPC: no space left on device');
    const failed = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await ackAll(coordinator, 1);
    const shutdown = coordinator.shutdown();
    assert.equal((await failed).reason, CheckpointFailureReason.JOB_ENDED);
    assert.deepEqual(storage.discarded, [], 'not deleted while _metadata is being written');
    release();
    await shutdown;
    assert.deepEqual(storage.discarded, [1], 'the half-written checkpoint directory must not be left behind');
    assert.deepEqual(storage.finalized, []);
  });

  test('the metadata published to storage is the one the completed checkpoint carries', async () => {
    const { coordinator, storage } = setup({ interval: undefined });
    const done = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await flush();
    for (let t = 0; t < 3; t++) coordinator.acknowledge(ack(1, t, { handles: t < 2 ? [handle('a', t)] : [] }));
    const completed = await done;
    assert.equal(completed.metadata, storage.finalized[0]!.metadata);
  });

  test('the target refusing a trigger (job not running) fails that checkpoint without counting', async () => {
    const { coordinator, target, storage, tooMany, timers } = setup({ interval: 1000, tolerableFailures: 0 });
    target.throwOnTrigger = new Error('the job is not running');
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    assert.deepEqual(storage.discarded, [1]);
    assert.deepEqual(tooMany, []);
    const err = await rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    assert.match(err.reason, /not running.*\(the job is not running\)/);
  });

  test('retarget (failover): in-flight checkpoints are aborted without counting; ids continue on the new run', async () => {
    const { coordinator, timers, target, storage, stats, tooMany } = setup({ interval: 1000, tolerableFailures: 0 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    coordinator.acknowledge(ack(1, 0));
    const next = new FakeTarget(2);
    coordinator.retarget(next);
    assert.deepEqual(target.aborted, [1]);
    assert.deepEqual(storage.discarded, [1]);
    assert.deepEqual(stats.failures.map((f) => f.reason), [CheckpointFailureReason.JOB_ENDED]);
    assert.deepEqual(tooMany, []);
    await timers.advanceTo(2000);
    assert.deepEqual(target.ids, [1]);
    assert.deepEqual(next.ids, [2]);
    // The new run has 2 tasks: two acks complete it.
    await ackAll(coordinator, 2, 2);
    assert.deepEqual(next.notified, [2]);
    assert.deepEqual(target.notified, []);
    assert.deepEqual(storage.finalized.map((f) => f.id), [2]);
  });

  test('a savepoint requests aligned barriers even in AT_LEAST_ONCE and is not retained', async () => {
    const { coordinator, target, storage, store, storeDiscarded } = setup({ interval: undefined, aligned: false }, { numRetained: 1 });
    const cp = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 1);
    await cp;
    const sp = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await ackAll(coordinator, 2);
    const saved = await sp;
    const sps = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT_SUSPEND', savepointDir: '/sp' });
    await ackAll(coordinator, 3);
    await sps;
    assert.deepEqual(
      target.triggered.map((t) => t.options),
      [
        { isSavepoint: false, aligned: false, full: false },
        { isSavepoint: true, aligned: true, full: true, latestCompleted: 1 },
        { isSavepoint: true, aligned: true, full: true, latestCompleted: 2 },
      ],
    );
    assert.deepEqual(storage.initialized[1], { id: 2, savepointDir: '/sp' });
    assert.equal(saved.kind, 'SAVEPOINT');
    assert.equal(saved.path, '/sp/savepoint-2');
    assert.deepEqual(
      store.all().map((c) => c.checkpointId),
      [1],
      'savepoints belong to the user: never retained nor discarded by retention',
    );
    assert.deepEqual(storeDiscarded, []);
    assert.deepEqual(target.notified, [1, 2, 3]);
  });

  test('a savepoint commits, so a failure restores it while no checkpoint is newer (never retained, never deleted)', async () => {
    const { coordinator, target, store, storeDiscarded } = setup({ interval: undefined }, { numRetained: 1 });
    const ids = () => store.recoveryCandidates().map((c) => c.checkpointId).sort((a, b) => a - b);
    const cp1 = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 1);
    await cp1;
    const sp2 = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await ackAll(coordinator, 2);
    await sp2;
    assert.deepEqual(target.notified, [1, 2], 'the savepoint lets the sinks commit');
    assert.deepEqual(ids(), [1, 2], 'so a failure now restores the savepoint');
    assert.deepEqual(store.all().map((c) => c.checkpointId), [1], 'it is not retained');
    const cp3 = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 3);
    await cp3;
    assert.deepEqual(ids(), [3], 'a newer checkpoint replaces it');
    assert.deepEqual(storeDiscarded, [1], 'retention deleted checkpoint 1, never the savepoint');
  });

  test('the tasks hear of a completed checkpoint only once the store holds it (a failover restores it, so nothing committed is replayed)', async () => {
    let open!: () => void;
    const discardGate = new Promise<void>((r) => (open = r));
    const { coordinator, target, store } = setup({ interval: undefined }, { numRetained: 1, discardGate });
    const heldAtNotify: Array<number | undefined> = [];
    const notify = target.notifyCheckpointComplete.bind(target);
    target.notifyCheckpointComplete = (id) => {
      heldAtNotify.push(store.latest()?.checkpointId);
      notify(id);
    };
    for (const id of [1, 2]) {
      const c = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
      await ackAll(coordinator, id);
      if (id === 1) await c;
    }
    // Checkpoint 2's retention is deleting checkpoint 1 (held up): 3 completes behind it.
    const third = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 3);
    assert.deepEqual(target.notified, [1], 'no word of 2 and 3 while the store does not hold them');
    open();
    await third;
    assert.deepEqual(target.notified, [1, 2, 3]);
    assert.deepEqual(heldAtNotify, [1, 2, 3]);
  });
});

/*
 * The coordinator against Flink's CheckpointFailureManager and CheckpointRequestDecider (found by
 * review): a failure count that survived the failover it caused and ignored manual checkpoints
 * and savepoints, an older checkpoint's late failure counted, and max-concurrent skipping a
 * periodic trigger (and not holding back `flink checkpoint`) where Flink queues it.
 */
describe('CheckpointCoordinator vs Flink’s CheckpointFailureManager', () => {
  test('tolerable failures: the count starts over after the job failed over for too many failures (Flink clears it before failJob)', async () => {
    // Flink: checkFailureAgainstCounter → `if (counter > tolerable) { clearCount(); errorHandler… }`.
    const { timers, coordinator, tooMany } = setup({ interval: 1000, tolerableFailures: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    coordinator.decline(1, 0, 'no');
    await timers.advanceTo(2000);
    coordinator.decline(2, 0, 'no');
    await flush();
    assert.equal(tooMany.length, 1, 'two consecutive failures with 1 tolerated: the job fails over');
    // The job restarts (the JobMaster retargets the same coordinator at the new run).
    const next = new FakeTarget(3);
    coordinator.retarget(next);
    await timers.advanceTo(3000);
    assert.deepEqual(next.ids, [3]);
    coordinator.decline(3, 0, 'a first failure after the restart');
    await flush();
    assert.equal(tooMany.length, 1, 'one failure after the failover is within the 1 tolerated: the job must not fail again at once');
  });

  test('tolerable failures: a completed manual checkpoint resets the count (Flink: handleCheckpointSuccess for every completed checkpoint)', async () => {
    const { timers, coordinator, tooMany, clock } = setup({ interval: 1000, tolerableFailures: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    coordinator.decline(1, 0, 'no');
    await timers.advanceTo(1500);
    assert.equal(clock.now(), 1500);
    const manual = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 2);
    assert.equal((await manual).checkpointId, 2);
    await timers.advanceTo(2000);
    coordinator.decline(3, 0, 'no again');
    await flush();
    assert.deepEqual(tooMany, [], 'failure, completed checkpoint, failure: never two failures in a row');
  });

  test('tolerable failures: a completed savepoint resets the count too (Flink: reportCompletedCheckpoint → handleCheckpointSuccess)', async () => {
    const { timers, coordinator, tooMany } = setup({ interval: 1000, tolerableFailures: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    coordinator.decline(1, 0, 'no');
    await timers.advanceTo(1500);
    const sp = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await ackAll(coordinator, 2);
    assert.equal((await sp).checkpointId, 2);
    await timers.advanceTo(2000);
    coordinator.decline(3, 0, 'no again');
    await flush();
    assert.deepEqual(tooMany, []);
  });

  test('tolerable failures: a checkpoint older than the last completed one failing afterwards does not count (Flink: only ids > lastSucceededCheckpointId)', async () => {
    const { timers, coordinator, tooMany, storage, target } = setup({ interval: 1000, maxConcurrent: 2, tolerableFailures: 0 });
    // Checkpoint 1's `_metadata` write hangs, then fails; checkpoint 2 completes meanwhile.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const finalize = storage.finalize.bind(storage);
    storage.finalize = async (id: number, metadata: SnapshotMetadata) => {
      if (id === 1) {
        await gate;
        throw new Error('EIO: i/o error');
      }
      return finalize(id, metadata);
    };
    coordinator.startPeriodic();
    await timers.advanceTo(2000);
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 1);
    await ackAll(coordinator, 2);
    assert.deepEqual(target.notified, [2], 'checkpoint 2 completed');
    release();
    await flush();
    await flush();
    assert.deepEqual(tooMany, [], 'checkpoint 1 is older than the completed checkpoint 2: its failure must not fail the job');
  });
});

describe('CheckpointCoordinator vs Flink’s CheckpointRequestDecider', () => {
  test('a periodic trigger that finds max-concurrent checkpoints in flight is queued and runs when the pending one completes (Flink enqueues it)', async () => {
    // CheckpointRequestDeciderTest.testEnqueueOnTooManyPending: a periodic (regular) request with
    // too many pending is not dropped; chooseQueuedRequestToExecute returns it once pending drops,
    // which completePendingCheckpoint does at once (scheduleTriggerRequest in its finally).
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await timers.advanceTo(2000); // the tick finds checkpoint 1 in flight
    assert.deepEqual(target.ids, [1]);
    await timers.advanceTo(2500);
    await ackAll(coordinator, 1); // completes at 2500
    await flush();
    assert.deepEqual(
      target.triggered.map((t) => [t.id, t.timestamp]),
      [
        [1, 1000],
        [2, 2500],
      ],
      'the queued periodic request runs when checkpoint 1 completes, not a whole interval later',
    );
  });

  test('a manual checkpoint does not exceed max-concurrent: it waits until the pending one ends (Flink queues non-forced requests)', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    const manual = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await flush();
    assert.deepEqual(target.ids, [1], 'with max-concurrent 1 the manual checkpoint must not start while checkpoint 1 is in flight');
    await ackAll(coordinator, 1);
    await flush();
    assert.deepEqual(target.ids, [1, 2], 'it starts once checkpoint 1 completed');
    await ackAll(coordinator, 2);
    assert.equal((await manual).checkpointId, 2);
  });

  test('a savepoint is forced: it starts even while max-concurrent checkpoints are in flight (Flink testForce)', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    const sp = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await flush();
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    assert.equal((await sp).checkpointId, 2);
  });

  test('min-pause applies to periodic checkpoints only: a savepoint right after a completion starts at once (Flink testSavepointTiming)', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, minPause: 5000 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await ackAll(coordinator, 1);
    const sp = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await flush();
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    await sp;
    await timers.advanceTo(5999);
    assert.deepEqual(target.ids, [1, 2], 'the periodic trigger waits for min-pause after the savepoint completed (Flink records every completion)');
  });
});

describe('CheckpointCoordinator: the final checkpoint as Flink’s (FLIP-147: finished tasks wait for the next checkpoint)', () => {
  /** Settles `p` into a record, so that a test can look at it before and after. */
  function watch(p: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
    const w: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
    p.then(
      () => (w.state = 'resolved'),
      (err: unknown) => {
        w.state = 'rejected';
        w.error = err;
      },
    );
    return w;
  }

  test('a failure within the tolerable number is counted and followed by another attempt an interval later; the job finishes on it', async () => {
    const { timers, target, coordinator, stats, tooMany } = setup({ interval: 1000, timeout: 500, tolerableFailures: 1 });
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    assert.deepEqual(target.ids, [1]);
    await timers.advance(500); // checkpoint 1 expires
    assert.deepEqual(stats.failures.map((f) => f.id), [1]);
    assert.equal(final.state, 'pending', 'a tolerated failure of the final checkpoint must not fail the job');
    await timers.advance(999);
    assert.deepEqual(target.ids, [1], 'the next attempt comes an interval later');
    await timers.advance(1);
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    assert.equal(final.state, 'resolved');
    assert.deepEqual(target.notified, [2]);
    assert.deepEqual(tooMany, []);
  });

  test('a failure past the tolerable number fails the job over (counted like a periodic one), and no attempt follows', async () => {
    const { timers, target, coordinator, tooMany } = setup({ interval: 1000, timeout: 500, tolerableFailures: 1 });
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    await timers.advance(500);
    await timers.advance(1000);
    assert.deepEqual(target.ids, [1, 2]);
    await timers.advance(500); // the second consecutive failure: past 1 tolerated
    assert.equal(final.state, 'rejected');
    assert.ok(final.error instanceof CheckpointFailedError && final.error.reason === CheckpointFailureReason.EXPIRED);
    assert.equal(tooMany.length, 1, 'the failures count towards the tolerable number');
    await timers.advance(5000);
    assert.deepEqual(target.ids, [1, 2]);
  });

  test('with none tolerated (the default), its first failure fails the job', async () => {
    const { coordinator, target, tooMany } = setup({ interval: 1000 });
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    coordinator.decline(1, 0, 'the sink could not pre-commit');
    await flush();
    assert.equal(final.state, 'rejected');
    assert.equal(tooMany.length, 1);
    assert.deepEqual(target.ids, [1]);
  });

  test('a newer checkpoint completing first (taken after the tasks finished) ends it: the sinks commit on that one', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 2 });
    coordinator.startPeriodic();
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    await timers.advanceTo(1000); // periodic checkpoint 2 starts beside final checkpoint 1
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    assert.equal(final.state, 'resolved', 'checkpoint 2 subsumed the final one: the job may finish');
    assert.deepEqual(target.notified, [2]);
  });

  test('shutdown while it waits for its next attempt: it rejects at once and nothing more is triggered', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, timeout: 500, tolerableFailures: 3 });
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    await timers.advance(500);
    assert.equal(final.state, 'pending');
    await coordinator.shutdown();
    await flush();
    assert.equal(final.state, 'rejected');
    await timers.advance(5000);
    assert.deepEqual(target.ids, [1]);
  });

  test("once it completed nothing more is triggered, as Flink's tasks close on their final checkpoint: not the periodic trigger that waited for room", async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    await timers.advanceTo(1000); // the periodic trigger finds final checkpoint 1 in flight: it waits
    assert.deepEqual(target.ids, [1]);
    await ackAll(coordinator, 1);
    assert.equal(final.state, 'resolved');
    assert.deepEqual(target.notified, [1]);
    await timers.advance(5000);
    assert.deepEqual(target.ids, [1], 'the finished tasks would snapshot a checkpoint whose end their functions never hear of');
    const manual = await rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    assert.equal(manual.reason, CheckpointFailureReason.NOT_RUNNING);
    // A failover after it (a listener's commit failed): the next run checkpoints again, an interval later.
    coordinator.retarget(target);
    await timers.advance(999);
    assert.deepEqual(target.ids, [1]);
    await timers.advance(1);
    assert.deepEqual(target.ids, [1, 2]);
  });

  test('once a newer checkpoint subsumed it, nothing more is triggered either', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 2 });
    coordinator.startPeriodic();
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    await timers.advanceTo(1000);
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    assert.equal(final.state, 'resolved');
    await timers.advance(5000);
    assert.deepEqual(target.ids, [1, 2]);
  });

  test('it waits for room under max-concurrent, as a manual checkpoint does', async () => {
    const { timers, target, coordinator } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    const final = watch(coordinator.triggerFinalCheckpoint());
    await flush();
    assert.deepEqual(target.ids, [1]);
    await ackAll(coordinator, 1);
    await flush();
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    assert.equal(final.state, 'resolved');
  });
});
