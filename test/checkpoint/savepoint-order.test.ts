/*
 * A savepoint and a checkpoint in flight together (max-concurrent 2), completing in
 * either order: a failure must restore the newest of them that the sinks committed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointCoordinator, type CheckpointTarget } from '../../src/checkpoint/checkpoint-coordinator.js';
import { CompletedCheckpointStore } from '../../src/checkpoint/completed-checkpoint-store.js';
import type { SnapshotMetadata } from '../../src/checkpoint/snapshot-metadata.js';
import type { TaskAcknowledgement } from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const notified: number[] = [];
  const gates = new Map<number, Promise<void>>();
  const target: CheckpointTarget = {
    taskCount: 2,
    triggerCheckpoint: () => {},
    notifyCheckpointComplete: (id) => void notified.push(id),
    abortCheckpoint: () => {},
  };
  const store = new CompletedCheckpointStore(1, { discardCompleted: async () => {}, deleteSharedFile: async () => {} });
  const coordinator = new CheckpointCoordinator({
    jobId: 'job',
    jobName: 'job',
    settings: { interval: undefined, timeout: 60_000, minPause: 0, maxConcurrent: 2, tolerableFailures: 0, aligned: true },
    clock: new ManualClock(0),
    schedule: () => () => {},
    storage: {
      initializeLocation: async (id: number, dir?: string) => (dir ? `${dir}/savepoint-${id}` : `/chk/chk-${id}`),
      finalize: async (id: number, m: SnapshotMetadata) => {
        await gates.get(id);
        return m.kind.startsWith('SAVEPOINT') ? `/sp/savepoint-${id}` : `/chk/chk-${id}`;
      },
      discard: async () => {},
      discardPublished: async () => {},
      released: () => {},
    },
    store,
    target,
    firstCheckpointId: 1,
    onTooManyFailures: () => {},
  });
  const ackAll = async (id: number) => {
    await flush();
    for (let t = 0; t < 2; t++) {
      const a: TaskAcknowledgement = { checkpointId: id, taskIndex: t, handles: [], syncMs: 0, asyncMs: 0, alignmentMs: 0, maxPauseMs: 0 };
      coordinator.acknowledge(a);
    }
    await flush();
  };
  const newest = () => [...store.recoveryCandidates()].sort((a, b) => b.checkpointId - a.checkpointId)[0]?.checkpointId;
  return { coordinator, store, notified, gates, ackAll, newest };
}

describe('a savepoint and a checkpoint in flight together', () => {
  test('an older checkpoint whose _metadata is written after the savepoint completed: the savepoint stays what a failure restores', async () => {
    const { coordinator, notified, gates, ackAll, newest } = setup();
    const c1 = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(1);
    await c1;
    let release!: () => void;
    gates.set(2, new Promise<void>((r) => (release = r)));
    const c2 = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(2); // finalizing, held
    const s3 = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await ackAll(3);
    await s3;
    assert.equal(newest(), 3);
    release();
    await c2;
    assert.deepEqual(notified, [1, 3, 2]);
    assert.equal(newest(), 3, 'the sinks committed savepoint 3: a failure must restore it, not checkpoint 2');
  });

  test('a newer checkpoint completing before the savepoint: the checkpoint is what a failure restores', async () => {
    const { coordinator, notified, gates, ackAll, newest } = setup();
    let release!: () => void;
    gates.set(1, new Promise<void>((r) => (release = r)));
    const s1 = coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: '/sp' });
    await ackAll(1);
    const c2 = coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    await ackAll(2);
    await c2;
    release();
    await s1;
    assert.deepEqual(notified, [2, 1]);
    assert.equal(newest(), 2);
  });
});
