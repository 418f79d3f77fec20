import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CheckpointFailedError } from '../../src/checkpoint/checkpoint-failure.js';
import type { CompletedCheckpoint } from '../../src/checkpoint/completed-checkpoint.js';
import { PendingCheckpoint } from '../../src/checkpoint/pending-checkpoint.js';
import type { TaskAcknowledgement } from '../../src/state/index.js';

function ack(taskIndex: number): TaskAcknowledgement {
  return { checkpointId: 4, taskIndex, handles: [], syncMs: 0, asyncMs: 0, alignmentMs: 0, maxPauseMs: 0 };
}

const completed = { checkpointId: 4 } as CompletedCheckpoint;

describe('PendingCheckpoint', () => {
  test('acknowledgements: SUCCESS once per task, DUPLICATE after, UNKNOWN for a task it does not have, DISCARDED before the trigger and after the end', () => {
    const p = new PendingCheckpoint(4, 'CHECKPOINT', 1000, true, 2);
    assert.equal(p.status, 'INITIALIZING');
    assert.equal(p.acknowledge(ack(0)), 'DISCARDED', 'the tasks were not triggered yet');
    p.triggered();
    assert.equal(p.status, 'IN_PROGRESS');
    assert.equal(p.acknowledge(ack(0)), 'SUCCESS');
    assert.equal(p.acknowledge(ack(0)), 'DUPLICATE');
    assert.equal(p.acknowledge(ack(2)), 'UNKNOWN');
    assert.equal(p.acknowledge(ack(-1)), 'UNKNOWN');
    assert.equal(p.isFullyAcknowledged, false);
    assert.equal(p.acknowledge(ack(1)), 'SUCCESS');
    assert.equal(p.isFullyAcknowledged, true);
    assert.deepEqual(p.acknowledgements().map((a) => a.taskIndex), [0, 1]);
    p.startFinalizing();
    assert.equal(p.acknowledge(ack(1)), 'DISCARDED');
  });

  test('completion: INITIALIZING → IN_PROGRESS → FINALIZING → COMPLETED resolves, and cancels the timeout when finalizing', async () => {
    const p = new PendingCheckpoint(4, 'CHECKPOINT', 1000, false, 1);
    let cancelled = 0;
    p.cancelTimeout = () => void cancelled++;
    p.triggered();
    p.acknowledge(ack(0));
    p.startFinalizing();
    assert.equal(cancelled, 1);
    p.complete(completed);
    assert.equal(p.status, 'COMPLETED');
    assert.equal(await p.completion, completed);
    assert.equal(p.abort('late'), undefined, 'a completed checkpoint cannot be aborted');
  });

  test("metadata lists an operator that wrote no state in a task with state, without handles (Flink records it empty), once, and one with state on another subtask with its handles only", () => {
    const handle = (uid: string, subtask: number) =>
      ({ uid, name: uid, subtask, parallelism: 2, maxParallelism: 128, file: `op-${uid}-${subtask}.state`, size: 1, checksum: 'c', keyGroupRange: null, stateNames: [] }) as const;
    const id = (uid: string, subtask: number) => ({ uid, name: uid, subtask, parallelism: 2, maxParallelism: 128 });
    const p = new PendingCheckpoint(4, 'CHECKPOINT', 1000, true, 3);
    p.triggered();
    // Chain [count, quiet, mixed] at parallelism 2, then a task of no state at all.
    p.acknowledge({ ...ack(0), handles: [handle('count', 0)], stateless: [id('quiet', 0), id('mixed', 0)] });
    p.acknowledge({ ...ack(1), handles: [handle('count', 1), handle('mixed', 1)], stateless: [id('quiet', 1)] });
    p.acknowledge(ack(2));
    const ops = p.metadata('j', 'job').operators.map((o) => [o.uid, o.parallelism, o.subtasks.map((h) => h.subtask)]);
    assert.deepEqual(ops, [['count', 2, [0, 1]], ['quiet', 2, []], ['mixed', 2, [1]]]);
  });

  test('abort: from any live status, once; says where it was; rejects with the reason', async () => {
    for (const to of ['INITIALIZING', 'IN_PROGRESS', 'FINALIZING'] as const) {
      const p = new PendingCheckpoint(4, 'SAVEPOINT', 1000, false, 1);
      if (to !== 'INITIALIZING') p.triggered();
      if (to === 'FINALIZING') {
        p.acknowledge(ack(0));
        p.startFinalizing();
      }
      assert.equal(p.abort('disk on fire'), to);
      assert.equal(p.status, 'ABORTED');
      assert.equal(p.abort('again'), undefined);
      await assert.rejects(p.completion, (err: unknown) => err instanceof CheckpointFailedError && err.checkpointId === 4 && err.reason === 'disk on fire');
    }
  });

  test('an illegal move is a bug, not a state', () => {
    const p = new PendingCheckpoint(4, 'CHECKPOINT', 1000, false, 1);
    assert.throws(() => p.startFinalizing(), /internal: checkpoint 4 is INITIALIZING, not IN_PROGRESS/);
    p.triggered();
    assert.throws(() => p.complete(completed), /internal: checkpoint 4 is IN_PROGRESS, not FINALIZING/);
  });
});
