/*
 * Checkpoints and tasks that finish: a task whose inputs all end without delivering the barrier
 * of a checkpoint in flight must still take its part of it (else the checkpoint hangs until its
 * timeout), exactly once; and every alignment an end of input completes is carried out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { capturePipeline } from '../helpers/run-job.js';
import type { JobGraph } from '../../src/graph/index.js';
import { CheckpointBarrier, type CheckpointResponder, EndOfInput, JobExecution, LocalChannel, type TaskAcknowledgement } from '../../src/runtime/index.js';
import type { SnapshotDriver, TaskSnapshot } from '../../src/runtime/checkpointing/snapshot-driver.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { OneInputStreamTask } from '../../src/runtime/tasks/one-input-stream-task.js';
import { RecordContext } from '../../src/runtime/record-context.js';
import { systemClock } from '../../src/util/clock.js';

const aligned = { isSavepoint: false, aligned: true };
const unaligned = { isSavepoint: false, aligned: false };

/** A task with `n` input channels and no operators, answering into arrays. */
function taskWith(n: number, inFlight: Map<number, CheckpointBarrier>) {
  const channels = Array.from({ length: n }, () => new LocalChannel(100));
  const task = new OneInputStreamTask('t', channels, undefined, new RecordContext(), [], []);
  const snapshots: number[] = [];
  const declines: number[] = [];
  const driver = { submit: (s: TaskSnapshot) => snapshots.push(s.checkpointId) } as unknown as SnapshotDriver;
  const responder: CheckpointResponder = { acknowledge: () => {}, decline: (id) => declines.push(id) };
  task.checkpointing = { taskIndex: 0, driver, responder, inFlight };
  /** Processes every queued event. */
  const drain = () => {
    while (task.isRunnable()) task.step(0);
  };
  /** Ends the inputs at `indexes` (all by default), then processes every queued event. */
  const end = (...indexes: number[]) => {
    for (const i of indexes.length > 0 ? indexes : channels.keys()) channels[i]!.push(EndOfInput.INSTANCE);
    drain();
  };
  return { channels, task, snapshots, declines, drain, end };
}

describe('a task that finishes while a checkpoint is in flight', () => {
  test('inputs that end without the barrier: the task snapshots the checkpoint when it finishes', () => {
    const b1 = new CheckpointBarrier(1, 1000, aligned);
    const { task, snapshots, end } = taskWith(2, new Map([[1, b1]]));
    end();
    assert.equal(task.finished, true);
    assert.deepEqual(snapshots, [1]);
  });

  test('a checkpoint whose barriers did arrive is not snapshotted again at the end', () => {
    const b1 = new CheckpointBarrier(1, 1000, aligned);
    const { channels, snapshots, end } = taskWith(2, new Map([[1, b1]]));
    for (const c of channels) c.push(b1);
    end();
    assert.deepEqual(snapshots, [1]);
  });

  test('one input ends before its barrier, the other delivers it: snapshotted once, at the barrier', () => {
    const b1 = new CheckpointBarrier(1, 1000, aligned);
    const { channels, task, snapshots, drain, end } = taskWith(2, new Map([[1, b1]]));
    end(0);
    assert.deepEqual(snapshots, []);
    channels[1]!.push(b1);
    drain();
    assert.deepEqual(snapshots, [1]);
    end(1);
    assert.equal(task.finished, true);
    assert.deepEqual(snapshots, [1]);
  });

  test('a checkpoint the task declined (overtaken alignment) is not snapshotted when it finishes', () => {
    const b1 = new CheckpointBarrier(1, 1000, aligned);
    const b2 = new CheckpointBarrier(2, 2000, aligned);
    // The responder here does not abort anything, so 1 stays "in flight" as far as the task knows.
    const { channels, snapshots, declines, end } = taskWith(2, new Map([[1, b1], [2, b2]]));
    channels[0]!.push(b1);
    channels[1]!.push(b2);
    channels[0]!.push(b2);
    end();
    assert.deepEqual(declines, [1]);
    assert.deepEqual(snapshots, [2]);
  });

  test('a checkpoint that ended (completed or aborted) before the task finished is not snapshotted', () => {
    const inFlight = new Map([[1, new CheckpointBarrier(1, 1000, aligned)]]);
    const { snapshots, end } = taskWith(1, inFlight);
    inFlight.delete(1);
    end();
    assert.deepEqual(snapshots, []);
  });
});

describe('end of input completing several alignments', () => {
  test('unaligned checkpoints 1 and 2 both waiting only for the channel that ends: both are snapshotted', () => {
    const b1 = new CheckpointBarrier(1, 1000, unaligned);
    const b2 = new CheckpointBarrier(2, 2000, unaligned);
    const { channels, task, snapshots, drain, end } = taskWith(3, new Map([[1, b1], [2, b2]]));
    for (const c of channels.slice(0, 2)) {
      c.push(b1);
      c.push(b2);
    }
    drain();
    assert.deepEqual(snapshots, []);
    end(2);
    assert.equal(task.finished, false, 'two inputs are still open');
    assert.deepEqual(snapshots, [1, 2]);
  });
});

/** Captures the pipeline the job below defines, compiled with parallelism 1 and no chaining. */
function gatedJob(sink: (v: number) => Promise<void>): JobGraph {
  const pipeline = capturePipeline((env) => {
    env.disableOperatorChaining();
    env.fromElements(1, 2, 3).uid('src').addSink(sink).uid('sink');
  }, 'gated');
  return compilePipeline(pipeline, { parallelism: 1 });
}

test('JobExecution: a checkpoint triggered after a finite source finished, before its end reached the sink, completes', async () => {
  // The sink blocks on its batch; meanwhile the source has emitted everything and ended, so the
  // checkpoint triggered now reaches the source as a finished task (no barrier is sent). The
  // sink then reads the end of input: it never sees a barrier and must answer at its finish.
  let entered!: () => void;
  const sinkBlocked = new Promise<void>((r) => (entered = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const acks: TaskAcknowledgement[] = [];
  let allAcked!: () => void;
  const acked = new Promise<void>((r) => (allAcked = r));
  const execution: JobExecution = new JobExecution({
    jobId: 'gated',
    jobGraph: gatedJob(() => {
      entered();
      return gate;
    }),
    clock: systemClock,
    checkpointing: {
      storage: new MemoryStorage(),
      responder: {
        acknowledge: (a) => {
          acks.push(a);
          if (acks.filter((x) => x.checkpointId === 1).length === execution.taskCount) allAcked();
        },
        decline: (id, task, reason) => assert.fail(`task ${task} declined checkpoint ${id}: ${reason}`),
      },
    },
    // Keeps the job's loop (and the asynchronous snapshot writes) going until checkpoint 1 is
    // acknowledged by every task; without that it would hang, so give up after a while.
    finalCheckpoint: () =>
      Promise.race([
        acked,
        new Promise((_, reject) => setTimeout(() => reject(new Error('checkpoint 1 was never acknowledged by every task')), 3000).unref()),
      ]),
  });
  assert.equal(execution.taskCount, 2);
  const run = execution.run();
  await sinkBlocked;
  execution.triggerCheckpoint(1, Date.now(), aligned);
  release();
  await run;
  assert.deepEqual(acks.map((a) => a.taskIndex).sort(), [0, 1], 'each task acknowledged checkpoint 1 exactly once');
});
