/*
 * The coordinator on the inputs of Flink's own tests that checkpoint-coordinator.test.ts did not
 * cover (CheckpointFailureManagerTest, CheckpointRequestDeciderTest, CheckpointCoordinatorTest):
 * which failures count towards the tolerable number and what resets it, which requests wait for
 * room under max-concurrent and in what order, and min-pause for a queued periodic trigger.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SnapshotMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import { ackAll, flush, rejection, setup } from './coordinator-harness.js';

describe('tolerable failed checkpoints (CheckpointFailureManagerTest)', () => {
  test('a checkpoint older than the last completed one completing late does not reset the count (handleCheckpointSuccess only for a newer id)', async () => {
    const { coordinator, storage, tooMany, target } = setup({ interval: undefined, maxConcurrent: 5, tolerableFailures: 1 });
    // Checkpoint 1's `_metadata` write waits (a slow disk): it is not subsumed when 2 completes.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const finalize = storage.finalize.bind(storage);
    storage.finalize = async (id: number, metadata: SnapshotMetadata) => {
      if (id === 1) await gate;
      return finalize(id, metadata);
    };
    const first = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    const second = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 1);
    await ackAll(coordinator, 2);
    assert.equal((await second).checkpointId, 2);
    const third = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await flush();
    coordinator.decline(3, 0, 'no');
    await third;
    release();
    assert.equal((await first).checkpointId, 1, 'checkpoint 1 completes after 2');
    const fourth = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await flush();
    coordinator.decline(4, 0, 'no again');
    await fourth;
    await flush();
    assert.deepEqual(target.ids, [1, 2, 3, 4]);
    assert.equal(tooMany.length, 1, 'failures 3 and 4 follow the newest completion (2): two in a row with 1 tolerated');
    assert.match(tooMany[0]!, /no again/);
  });

  test('testContinuousFailure: a decline for a newer barrier (CHECKPOINT_DECLINED_SUBSUMED) is skipped, not counted and not a break', async () => {
    const { coordinator, tooMany } = setup({ interval: undefined, tolerableFailures: 2 });
    for (const [id, cause] of [
      [1, 'error'],
      [2, 'error'],
      [3, 'subsumed'],
    ] as const) {
      const failed = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
      coordinator.decline(id, 0, 'declined', cause);
      await failed;
    }
    await flush();
    assert.deepEqual(tooMany, [], 'two counted failures, 2 tolerated');
    const fourth = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    coordinator.decline(4, 1, 'declined');
    await fourth;
    await flush();
    assert.equal(tooMany.length, 1, 'the third counted failure in a row fails the job');
  });

  test('testIgnoreOneCheckpointRepeatedlyCountMultiTimes: more declines of one checkpoint (from other tasks) count once', async () => {
    const { coordinator, tooMany } = setup({ interval: undefined, tolerableFailures: 1 });
    const failed = rejection(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    coordinator.decline(1, 0, 'no');
    coordinator.decline(1, 1, 'no');
    coordinator.decline(1, 2, 'no');
    await failed;
    await flush();
    assert.deepEqual(tooMany, []);
  });

  test('a savepoint forced past max-concurrent overtakes a checkpoint in alignment: that decline does not fail the job, the savepoint completes', async () => {
    const { coordinator, tooMany, timers, target } = setup({ interval: 1000, maxConcurrent: 1, tolerableFailures: 0 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    const sp = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await flush();
    assert.deepEqual(target.ids, [1, 2]);
    // A task with two inputs got barrier 2 while aligning 1 (what StreamTask sends then).
    coordinator.decline(1, 1, 'barrier 2 overtook the alignment of checkpoint 1', 'subsumed');
    await ackAll(coordinator, 2);
    assert.equal((await sp).checkpointId, 2);
    assert.deepEqual(tooMany, []);
  });
});

test('the final checkpoint overtaken by a savepoint\'s barrier is not a failure: it is taken again an interval later, and the job finishes on it', async () => {
  const { coordinator, timers, target, tooMany } = setup({ interval: 1000, tolerableFailures: 0 });
  let finished = false;
  const final = coordinator.triggerFinalCheckpoint().then(() => (finished = true));
  await flush();
  const sp = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
  await flush();
  coordinator.decline(1, 1, 'barrier 2 overtook the alignment of checkpoint 1', 'subsumed');
  await ackAll(coordinator, 2);
  assert.equal((await sp).checkpointId, 2);
  assert.equal(finished, false);
  await timers.advance(1000);
  assert.deepEqual(target.ids, [1, 2, 3]);
  await ackAll(coordinator, 3);
  await final;
  assert.deepEqual(tooMany, []);
});

describe('requests and max-concurrent, min-pause (CheckpointRequestDeciderTest, CheckpointCoordinatorTest)', () => {
  test('testCheckpointTiming: a manual checkpoint right after a completion starts at once; min-pause holds back periodic ones only', async () => {
    const { coordinator, timers, target } = setup({ interval: 1000, minPause: 5000 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await ackAll(coordinator, 1); // completes at 1000
    const manual = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await flush();
    assert.deepEqual(target.triggered.map((t) => [t.id, t.timestamp]), [
      [1, 1000],
      [2, 1000],
    ]);
    await ackAll(coordinator, 2);
    assert.equal((await manual).checkpointId, 2);
  });

  test('testEnqueueOnTooManyPending: a full manual checkpoint is not forced either, it waits for room', async () => {
    const { coordinator, timers, target } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    const full = coordinator.triggerCheckpoint({ kind: 'FULL_CHECKPOINT' });
    await flush();
    assert.deepEqual(target.ids, [1], 'max-concurrent 1: the full checkpoint waits while checkpoint 1 is in flight');
    await ackAll(coordinator, 1);
    await flush();
    assert.deepEqual(target.ids, [1, 2]);
    assert.equal(target.triggered[1]!.options.full, true);
    await ackAll(coordinator, 2);
    assert.equal((await full).checkpointId, 2);
  });

  test('testQueueSizeLimit: 1000 requests wait for room, the next is refused and not counted as a failure', async () => {
    const { coordinator, timers, target, tooMany } = setup({ interval: 1000, maxConcurrent: 1, tolerableFailures: 0 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    const waiting = Array.from({ length: 1000 }, () => coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }));
    await assert.rejects(coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' }), /Too many checkpoint requests are waiting for room \(1000\)/);
    await flush();
    assert.deepEqual(target.ids, [1]);
    assert.equal(tooMany.length, 0, 'the refusal is no failed checkpoint');
    await coordinator.shutdown();
    for (const w of await Promise.allSettled(waiting)) assert.equal(w.status, 'rejected', 'the waiting requests end with the job');
  });

  test('testUserSubmittedPrioritized: with both waiting, the requested checkpoint goes before the periodic one', async () => {
    const { coordinator, timers, target } = setup({ interval: 1000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await timers.advanceTo(2000); // the periodic trigger finds 1 in flight: it waits
    await timers.advanceTo(2100);
    const manual = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(coordinator, 1);
    await flush();
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    assert.equal((await manual).checkpointId, 2, 'checkpoint 2 is the requested one');
    await flush();
    assert.deepEqual(target.ids, [1, 2, 3], 'then the periodic one');
  });

  test('testMinCheckpointPause: a periodic trigger waiting for room still waits min-pause after the completion', async () => {
    const { coordinator, timers, target } = setup({ interval: 1000, maxConcurrent: 1, minPause: 1000 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await timers.advanceTo(2000);
    await timers.advanceTo(2500);
    await ackAll(coordinator, 1); // completes at 2500
    await timers.advanceTo(3499);
    assert.deepEqual(target.ids, [1], 'not before 2500 + 1000');
    await timers.advanceTo(3500);
    assert.deepEqual(target.triggered.map((t) => [t.id, t.timestamp]), [
      [1, 1000],
      [2, 3500],
    ]);
  });

  test('a long checkpoint: the periodic triggers it outlasted do not pile up, one runs after it', async () => {
    const { coordinator, timers, target } = setup({ interval: 1000, timeout: 60_000, maxConcurrent: 1 });
    coordinator.startPeriodic();
    await timers.advanceTo(1000);
    await timers.advanceTo(5500); // ticks at 2000..5000 find checkpoint 1 in flight
    assert.deepEqual(target.ids, [1]);
    await ackAll(coordinator, 1);
    await flush();
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    await flush();
    assert.deepEqual(target.ids, [1, 2], 'one periodic trigger waited, not four');
    await timers.advanceTo(6500);
    assert.deepEqual(target.triggered.map((t) => [t.id, t.timestamp]), [
      [1, 1000],
      [2, 5500],
      [3, 6500],
    ]);
  });

  test('testMaxConcurrentAttemptsWithSubsumption: a completion that subsumes the older pending one frees both places', async () => {
    const { coordinator, timers, target } = setup({ interval: 1000, timeout: 60_000, maxConcurrent: 2 });
    coordinator.startPeriodic();
    await timers.advanceTo(2000);
    await timers.advanceTo(3000); // the third trigger waits
    assert.deepEqual(target.ids, [1, 2]);
    await ackAll(coordinator, 2);
    await flush();
    assert.deepEqual(target.aborted, [1], 'checkpoint 1 is subsumed');
    assert.deepEqual(target.ids, [1, 2, 3]);
    assert.equal(coordinator.pendingCount, 1);
    await timers.advanceTo(4000);
    assert.deepEqual(target.ids, [1, 2, 3, 4], 'room for the next periodic one as well');
  });
});
